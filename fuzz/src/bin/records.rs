//! AFL++ target: the CSV, TSV, JSON Lines and text readers (see `stance_fuzz::records`).
fn main() {
    afl::fuzz!(|data: &[u8]| {
        stance_fuzz::records(data);
    });
}
