//! Loading a user rules file over the default. Must return a rulebook or
//! an error with a position, never panic.
#![no_main]

use advise::rulebook::Rulebook;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match Rulebook::with_user_text("fuzz.yaml", text) {
        Ok(rb) => {
            let _ = rb.effect("requests.get");
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
