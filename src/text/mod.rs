//! Pure text transforms for text looop did not write itself (worker output,
//! the tick AI's answers, sensor readings, files): making it safe to print on
//! a terminal ([`visible`]) and safe to quote inside the tick prompt
//! ([`fence`]). No I/O here; callers decide where the text goes.

// Not called yet: printing (ls, status, tick) and the prompt are being
// restructured; they call these once they settle.
#![allow(dead_code)]

pub mod fence;
pub mod visible;
