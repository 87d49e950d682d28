//! Pure text transforms for text looop did not write itself (worker output,
//! the tick AI's answers, sensor readings, files): making it safe to print on
//! a terminal ([`visible`]) and safe to quote inside the tick prompt
//! ([`fence`]). No I/O here; callers decide where the text goes.

pub mod fence;
pub mod visible;
