//! WAV parsing and writing: every refusal names its problem, files written
//! by sox are read exactly, files written here are read exactly by sox, and
//! nothing panics on arbitrary bytes.

use codecs::wav::{self, WavError};
use proptest::prelude::*;
use std::process::Command;

/// A canonical 44-byte-header file, built by hand (not by the writer under test).
fn canonical(tag: u16, channels: u16, rate: u32, bits: u16, data: &[u8]) -> Vec<u8> {
    let block_align = channels * bits / 8;
    let mut f = Vec::new();
    f.extend_from_slice(b"RIFF");
    f.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    f.extend_from_slice(b"WAVEfmt ");
    f.extend_from_slice(&16u32.to_le_bytes());
    f.extend_from_slice(&tag.to_le_bytes());
    f.extend_from_slice(&channels.to_le_bytes());
    f.extend_from_slice(&rate.to_le_bytes());
    f.extend_from_slice(&(rate * u32::from(block_align)).to_le_bytes());
    f.extend_from_slice(&block_align.to_le_bytes());
    f.extend_from_slice(&bits.to_le_bytes());
    f.extend_from_slice(b"data");
    f.extend_from_slice(&(data.len() as u32).to_le_bytes());
    f.extend_from_slice(data);
    f
}

fn good() -> Vec<u8> {
    canonical(1, 1, 8000, 16, &[1, 0, 0xff, 0xff, 0x00, 0x80])
}

/// Overwrites the RIFF size after an edit.
fn fix_riff_size(f: &mut [u8]) {
    let size = (f.len() - 8) as u32;
    f[4..8].copy_from_slice(&size.to_le_bytes());
}

#[test]
fn reads_a_canonical_file() {
    let f = good();
    let w = wav::parse(&f).unwrap();
    assert_eq!(w.sample_rate(), 8000);
    assert_eq!(w.len(), 3);
    assert_eq!(w.samples().collect::<Vec<_>>(), [1, -1, i16::MIN]);
}

#[test]
fn accepts_every_supported_rate_and_refuses_others() {
    for rate in [8000, 16000, 24000, 48000] {
        assert_eq!(
            wav::parse(&canonical(1, 1, rate, 16, &[]))
                .unwrap()
                .sample_rate(),
            rate
        );
    }
    for rate in [0, 11025, 22050, 44100, 96000] {
        assert_eq!(
            wav::parse(&canonical(1, 1, rate, 16, &[])),
            Err(WavError::UnsupportedRate(rate))
        );
    }
    assert!(
        WavError::UnsupportedRate(22050)
            .to_string()
            .contains("22050 Hz")
    );
}

#[test]
fn skips_unknown_chunks_and_pads_odd_ones() {
    let mut f = good();
    // A LIST chunk of odd length (3 bytes + pad) between fmt and data.
    let list = [b"LIST".as_slice(), &3u32.to_le_bytes(), b"abc", &[0]].concat();
    f.splice(36..36, list);
    // And a trailing odd chunk without its pad byte.
    f.extend_from_slice(b"junk");
    f.extend_from_slice(&1u32.to_le_bytes());
    f.push(9);
    fix_riff_size(&mut f);
    let w = wav::parse(&f).unwrap();
    assert_eq!(w.samples().collect::<Vec<_>>(), [1, -1, i16::MIN]);
}

#[test]
fn ignores_bytes_after_the_riff_chunk() {
    let mut f = good();
    f.extend_from_slice(b"trailing garbage");
    assert_eq!(wav::parse(&f).unwrap().len(), 3);
}

#[test]
fn refuses_what_is_not_riff_wave() {
    assert_eq!(wav::parse(b""), Err(WavError::NotRiff));
    assert_eq!(wav::parse(b"ID3\x04 an mp3"), Err(WavError::NotRiff));
    assert_eq!(wav::parse(b"RIFX\0\0\0\0WAVE"), Err(WavError::NotRiff));
    assert_eq!(wav::parse(b"RIFF\x04\0\0\0"), Err(WavError::TooShort(8)));
    assert_eq!(wav::parse(b"RIFF\x04\0\0\0AVI "), Err(WavError::NotWave));
    assert!(WavError::NotRiff.to_string().starts_with("not a WAV file"));
    // Found by the fuzzer: a RIFF size of 0 once sliced before the form type.
    assert_eq!(
        wav::parse(b"RIFF\0\0\0\0WAVEf\xff\xff\0"),
        Err(WavError::RiffSizeTooSmall(0))
    );
    assert_eq!(wav::parse(b"RIFF\x04\0\0\0WAVE"), Err(WavError::MissingFmt));
}

#[test]
fn refuses_formats_other_than_16_bit_pcm_mono() {
    let float = wav::parse(&canonical(3, 1, 8000, 32, &[0; 4])).unwrap_err();
    assert_eq!(
        float,
        WavError::UnsupportedFormat {
            tag: 3,
            name: "IEEE float"
        }
    );
    assert!(float.to_string().contains("IEEE float"), "{float}");
    let ulaw = wav::parse(&canonical(7, 1, 8000, 8, &[0; 4])).unwrap_err();
    assert_eq!(
        ulaw,
        WavError::UnsupportedFormat {
            tag: 7,
            name: "u-law"
        }
    );
    let ext = wav::parse(&canonical(0xfffe, 1, 8000, 16, &[])).unwrap_err();
    assert!(ext.to_string().contains("EXTENSIBLE"), "{ext}");
    assert_eq!(
        wav::parse(&canonical(1, 2, 8000, 16, &[0; 4])),
        Err(WavError::Channels(2))
    );
    assert_eq!(
        wav::parse(&canonical(1, 0, 8000, 16, &[])),
        Err(WavError::Channels(0))
    );
    assert_eq!(
        wav::parse(&canonical(1, 1, 8000, 8, &[0; 4])),
        Err(WavError::BitDepth(8))
    );
    assert_eq!(
        wav::parse(&canonical(1, 1, 8000, 24, &[0; 6])),
        Err(WavError::BitDepth(24))
    );
}

#[test]
fn refuses_an_inconsistent_fmt() {
    let mut f = good();
    f[32] = 4; // block align
    assert_eq!(
        wav::parse(&f),
        Err(WavError::InconsistentFmt {
            rate: 8000,
            block_align: 4,
            byte_rate: 16000
        })
    );
    let mut f = good();
    f[28..32].copy_from_slice(&8000u32.to_le_bytes());
    assert!(matches!(
        wav::parse(&f),
        Err(WavError::InconsistentFmt {
            byte_rate: 8000,
            ..
        })
    ));
}

#[test]
fn refuses_truncation_naming_where() {
    let f = good();
    // Cut inside the data: the RIFF size now overstates the file.
    assert_eq!(
        wav::parse(&f[..f.len() - 1]),
        Err(WavError::TruncatedFile {
            declared: 50,
            actual: 49
        })
    );
    // Cut with the sizes fixed up: the data chunk overstates what is left.
    let mut cut = f[..f.len() - 2].to_vec();
    fix_riff_size(&mut cut);
    let err = wav::parse(&cut).unwrap_err();
    assert_eq!(
        err,
        WavError::TruncatedChunk {
            chunk: "data".into(),
            declared: 6,
            available: 4
        }
    );
    assert!(
        err.to_string().contains("\"data\" chunk declares 6 bytes"),
        "{err}"
    );
    // Half a chunk header at the end.
    let mut f2 = good();
    f2.extend_from_slice(b"LIS");
    fix_riff_size(&mut f2);
    assert_eq!(wav::parse(&f2), Err(WavError::TrailingBytes(3)));
}

#[test]
fn refuses_missing_misplaced_duplicate_or_odd_chunks() {
    let f = good();
    let fmt = &f[12..36];
    let data = &f[36..];
    let riff = |chunks: &[&[u8]]| {
        let mut out = [b"RIFF\0\0\0\0WAVE".as_slice(), &chunks.concat()].concat();
        fix_riff_size(&mut out);
        out
    };
    assert_eq!(wav::parse(&riff(&[data])), Err(WavError::DataBeforeFmt));
    assert_eq!(
        wav::parse(&riff(&[data, fmt])),
        Err(WavError::DataBeforeFmt)
    );
    assert_eq!(wav::parse(&riff(&[])), Err(WavError::MissingFmt));
    assert_eq!(wav::parse(&riff(&[fmt])), Err(WavError::MissingData));
    assert_eq!(
        wav::parse(&riff(&[fmt, fmt, data])),
        Err(WavError::DuplicateChunk("fmt "))
    );
    assert_eq!(
        wav::parse(&riff(&[fmt, data, data])),
        Err(WavError::DuplicateChunk("data"))
    );
    let odd = [b"data".as_slice(), &3u32.to_le_bytes(), &[1, 2, 3, 0]].concat();
    assert_eq!(
        wav::parse(&riff(&[fmt, &odd])),
        Err(WavError::OddDataLength(3))
    );
    let short_fmt = [b"fmt ".as_slice(), &14u32.to_le_bytes(), &fmt[8..22]].concat();
    assert_eq!(
        wav::parse(&riff(&[&short_fmt, data])),
        Err(WavError::ShortFmt(14))
    );
}

#[test]
fn fmt_with_extra_bytes_is_accepted() {
    // A WAVEFORMATEX-style fmt of 18 bytes (cbSize = 0), as some tools write.
    let f = good();
    let mut fmt = f[12..36].to_vec();
    fmt[4..8].copy_from_slice(&18u32.to_le_bytes());
    fmt.extend_from_slice(&[0, 0]);
    let mut out = [b"RIFF\0\0\0\0WAVE".as_slice(), &fmt, &f[36..]].concat();
    fix_riff_size(&mut out);
    assert_eq!(wav::parse(&out).unwrap().len(), 3);
}

#[test]
fn writer_produces_the_canonical_layout() {
    let samples = [1i16, -1, i16::MIN];
    assert_eq!(wav::write(8000, &samples).unwrap(), good());
    assert_eq!(
        wav::write(44100, &samples),
        Err(WavError::UnsupportedRate(44100))
    );
    assert_eq!(
        wav::header(8000, usize::MAX / 2),
        Err(WavError::TooLong(usize::MAX / 2))
    );
    assert!(wav::header(8000, (u32::MAX as usize - 36) / 2).is_ok());
    assert!(wav::header(8000, (u32::MAX as usize - 36) / 2 + 1).is_err());
}

/// Whether sox can be run; fails when `CI` is set and it is missing.
fn sox_available() -> bool {
    let ok = Command::new("sox")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "sox is required when CI is set"
        );
        eprintln!("SKIPPED: sox not installed (apt-get install sox)");
    }
    ok
}

#[test]
fn reads_what_sox_writes_and_sox_reads_what_this_writes() {
    if !sox_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for rate in [8000u32, 16000, 24000, 48000] {
        let from_sox = dir.path().join(format!("sox-{rate}.wav"));
        let raw = dir.path().join(format!("sox-{rate}.raw"));
        let status = Command::new("sox")
            .args([
                "-n",
                "-r",
                &rate.to_string(),
                "-b",
                "16",
                "-c",
                "1",
                "-e",
                "signed-integer",
            ])
            .arg(&from_sox)
            .args(["synth", "0.25", "sine", "300-3000", "vol", "0.7"])
            .status()
            .unwrap();
        assert!(status.success());
        let status = Command::new("sox")
            .arg(&from_sox)
            .args(["-t", "raw"])
            .arg(&raw)
            .status()
            .unwrap();
        assert!(status.success());
        let bytes = std::fs::read(&from_sox).unwrap();
        let parsed = wav::parse(&bytes).unwrap();
        let expected: Vec<i16> = std::fs::read(&raw)
            .unwrap()
            .chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]))
            .collect();
        assert_eq!(parsed.sample_rate(), rate);
        assert_eq!(parsed.len(), rate as usize / 4);
        assert_eq!(parsed.samples().collect::<Vec<_>>(), expected);

        // And back: sox reads the rate and the samples of our file.
        let ours = dir.path().join(format!("ours-{rate}.wav"));
        std::fs::write(&ours, wav::write(rate, &expected).unwrap()).unwrap();
        let info = Command::new("sox")
            .args(["--i", "-r"])
            .arg(&ours)
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&info.stdout).trim(),
            rate.to_string()
        );
        let back = dir.path().join(format!("ours-{rate}.raw"));
        let status = Command::new("sox")
            .arg(&ours)
            .args(["-t", "raw"])
            .arg(&back)
            .status()
            .unwrap();
        assert!(status.success());
        assert_eq!(std::fs::read(&back).unwrap(), std::fs::read(&raw).unwrap());
    }
}

/// What any accepted file must satisfy: a supported rate and samples that
/// fit in the file after the smallest possible header.
fn check_plausible(
    parsed: &Result<wav::Wav<'_>, WavError>,
    file_len: usize,
) -> Result<(), TestCaseError> {
    if let Ok(w) = parsed {
        prop_assert!([8000, 16000, 24000, 48000].contains(&w.sample_rate()));
        prop_assert!(wav::HEADER_LEN + 2 * w.len() <= file_len);
        prop_assert_eq!(w.samples().len(), w.len());
    }
    Ok(())
}

proptest! {
    #[test]
    fn write_then_parse_gives_the_samples_back(
        samples in proptest::collection::vec(any::<i16>(), 0..500),
        rate in prop::sample::select(vec![8000u32, 16000, 24000, 48000]),
    ) {
        let bytes = wav::write(rate, &samples).unwrap();
        let parsed = wav::parse(&bytes).unwrap();
        prop_assert_eq!(parsed.sample_rate(), rate);
        prop_assert_eq!(parsed.samples().collect::<Vec<_>>(), samples);
    }

    #[test]
    fn parse_never_panics_on_damaged_files(
        cut in 0usize..60,
        flips in proptest::collection::vec((0usize..60, any::<u8>()), 0..4),
    ) {
        let mut f = good();
        for (at, byte) in flips {
            if let Some(b) = f.get_mut(at) {
                *b = byte;
            }
        }
        let untouched = f == good() && cut >= f.len();
        f.truncate(cut.min(f.len()));
        let parsed = wav::parse(&f);
        if untouched {
            prop_assert!(parsed.is_ok());
        }
        check_plausible(&parsed, f.len())?;
    }

    #[test]
    fn parse_never_panics_on_arbitrary_bytes(
        bytes in proptest::collection::vec(any::<u8>(), 0..200),
        riff_size in prop_oneof![0u32..64, any::<u32>()],
    ) {
        let mut with_header = b"RIFF".to_vec();
        with_header.extend_from_slice(&riff_size.to_le_bytes());
        with_header.extend_from_slice(b"WAVE");
        with_header.extend_from_slice(&bytes);
        check_plausible(&wav::parse(&with_header), with_header.len())?;
        check_plausible(&wav::parse(&bytes), bytes.len())?;
    }
}
