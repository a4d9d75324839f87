//! AFL++ target: the model loader `Model::from_bytes` (see `stance_fuzz::model`).
fn main() {
    afl::fuzz!(|data: &[u8]| {
        stance_fuzz::model(data);
    });
}
