//! WAV parsing on arbitrary bytes: never panics, and whatever it accepts
//! survives a write and a second parse unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(wav) = codecs::wav::parse(data) {
        assert!(codecs::wav::HEADER_LEN + 2 * wav.len() <= data.len());
        let samples: Vec<i16> = wav.samples().collect();
        let written = codecs::wav::write(wav.sample_rate(), &samples).expect("accepted rate");
        let again = codecs::wav::parse(&written).expect("own output parses");
        assert_eq!(again.sample_rate(), wav.sample_rate());
        assert!(again.samples().eq(samples.iter().copied()));
    }
});
