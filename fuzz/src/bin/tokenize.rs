//! AFL++ target: the tokenizer and feature analysis (see `stance_fuzz::tokenize`).
fn main() {
    afl::fuzz!(|data: &[u8]| stance_fuzz::tokenize(data));
}
