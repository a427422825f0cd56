//! `trunkline transcode` run as a program: byte-identical with libgsm's
//! `toast`/`untoast` (linear and A-law), exact G.711 decoding against sox,
//! WAV round trips, and one clear line and a failure exit for bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use test_oracles::signals;

fn trunkline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_trunkline"))
        .arg("transcode")
        .args(args)
        .output()
        .expect("run trunkline")
}

/// Runs `trunkline transcode` and insists that it succeeds quietly.
fn transcode(args: &[&str]) {
    let out = trunkline(args);
    assert!(
        out.status.success(),
        "trunkline transcode {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs `tool` with `args`, feeding `input` on stdin; returns stdout.
fn pipe(tool: &str, args: &[&str], input: &Path) -> Vec<u8> {
    let out = Command::new(tool)
        .args(args)
        .stdin(std::fs::File::open(input).unwrap())
        .stderr(Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("run {tool}: {e}"));
    assert!(out.status.success(), "{tool} {args:?} failed");
    out.stdout
}

/// Whether `tool` (from Debian `package`) can run: a missing tool fails the
/// test when `CI` is set, and skips it with a reason otherwise.
fn available(tool: &str, package: &str) -> bool {
    let found = std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(tool).is_file()));
    if !found {
        let message = format!("{tool} not found; install it with `apt-get install {package}`");
        assert!(
            std::env::var_os("CI").is_none(),
            "{message}: required when CI is set"
        );
        eprintln!("SKIPPED: {message}");
    }
    found
}

fn pcm_bytes(pcm: &[i16]) -> Vec<u8> {
    pcm.iter().flat_map(|s| s.to_le_bytes()).collect()
}

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The signals libgsm is compared on, as files of raw 8 kHz s16le, some
/// ending in a partial 20 ms frame.
fn test_signals(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut list: Vec<(String, Vec<i16>)> = signals::synthetic(8000)
        .into_iter()
        .map(|(name, pcm)| (name.to_owned(), pcm))
        .collect();
    list.push(("sweep_partial_frame".into(), signals::sweep(8000 + 37)));
    list.push((
        "noise_partial_frame".into(),
        signals::white_noise(3 * 160 + 159, 99),
    ));
    list.push(("single_sample".into(), vec![12345]));
    if let Some(speech) = signals::speech() {
        list.push(("speech".into(), speech));
    }
    list.into_iter()
        .map(|(name, pcm)| {
            let path = dir.join(format!("{name}.raw"));
            std::fs::write(&path, pcm_bytes(&pcm)).unwrap();
            (name, path)
        })
        .collect()
}

#[test]
fn gsm_encode_and_decode_are_byte_identical_to_toast_and_untoast() {
    if !available("toast", "libgsm-tools") || !available("untoast", "libgsm-tools") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (name, raw) in test_signals(dir.path()) {
        let ours = dir.path().join(format!("{name}.gsm"));
        transcode(&[
            "--from",
            "pcm16",
            "--rate",
            "8000",
            "--to",
            "gsm",
            path_str(&raw),
            path_str(&ours),
        ]);
        let toast = pipe("toast", &["-l", "-c"], &raw);
        assert!(!toast.is_empty());
        assert_eq!(
            std::fs::read(&ours).unwrap(),
            toast,
            "{name}: encoder differs from toast -l"
        );

        let decoded = dir.path().join(format!("{name}.decoded.raw"));
        transcode(&[
            "--from",
            "gsm",
            "--to",
            "pcm16",
            path_str(&ours),
            path_str(&decoded),
        ]);
        let untoast = pipe("untoast", &["-l", "-c"], &ours);
        assert_eq!(
            std::fs::read(&decoded).unwrap(),
            untoast,
            "{name}: decoder differs from untoast -l"
        );
    }
}

#[test]
fn a_law_paths_are_byte_identical_to_toast_and_untoast() {
    if !available("toast", "libgsm-tools") || !available("untoast", "libgsm-tools") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (name, raw) in test_signals(dir.path()) {
        // GSM -> A-law against untoast -a (our A-law encoder on GSM output).
        let gsm = dir.path().join(format!("{name}.gsm"));
        std::fs::write(&gsm, pipe("toast", &["-l", "-c"], &raw)).unwrap();
        let alaw = dir.path().join(format!("{name}.al"));
        transcode(&[
            "--from",
            "gsm",
            "--to",
            "pcma",
            path_str(&gsm),
            path_str(&alaw),
        ]);
        assert_eq!(
            std::fs::read(&alaw).unwrap(),
            pipe("untoast", &["-a", "-c"], &gsm),
            "{name}: untoast -a"
        );

        // A-law -> GSM against toast -a (our A-law decoder into GSM).
        let ours = dir.path().join(format!("{name}.from_alaw.gsm"));
        transcode(&[
            "--from",
            "pcma",
            "--to",
            "gsm",
            path_str(&alaw),
            path_str(&ours),
        ]);
        assert_eq!(
            std::fs::read(&ours).unwrap(),
            pipe("toast", &["-a", "-c"], &alaw),
            "{name}: toast -a"
        );
    }
}

/// toast's u-law tables are not G.711 (its code 0 decodes to -32256, where
/// G.711 says -32124), so `toast -u` cannot be a bit-exact oracle. The
/// u-law path is checked against sox's decoder (exact on all 256 codes)
/// and against `untoast -u` within one code at decision boundaries.
#[test]
fn u_law_decoding_matches_sox_on_every_code_and_untoast_within_a_step() {
    if !available("sox", "sox") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (format, sox_encoding) in [("pcmu", "u-law"), ("pcma", "a-law")] {
        let codes = dir.path().join(format!("codes.{format}"));
        std::fs::write(&codes, (0..=255u8).collect::<Vec<_>>()).unwrap();
        let ours = dir.path().join(format!("{format}.raw"));
        transcode(&[
            "--from",
            format,
            "--to",
            "pcm16",
            path_str(&codes),
            path_str(&ours),
        ]);
        let sox = Command::new("sox")
            .args([
                "-t",
                "raw",
                "-r",
                "8000",
                "-c",
                "1",
                "-e",
                sox_encoding,
                "-b",
                "8",
            ])
            .arg(&codes)
            .args(["-t", "raw", "-e", "signed-integer", "-b", "16", "-"])
            .output()
            .unwrap();
        assert!(sox.status.success());
        assert_eq!(
            std::fs::read(&ours).unwrap(),
            sox.stdout,
            "{format} decoding differs from sox"
        );
    }

    if !available("untoast", "libgsm-tools") {
        return;
    }
    let Some(speech) = signals::speech() else {
        return;
    };
    let raw = dir.path().join("speech.raw");
    std::fs::write(&raw, pcm_bytes(&speech)).unwrap();
    let gsm = dir.path().join("speech.gsm");
    transcode(&[
        "--from",
        "pcm16",
        "--rate",
        "8000",
        "--to",
        "gsm",
        path_str(&raw),
        path_str(&gsm),
    ]);
    let ulaw = dir.path().join("speech.ul");
    transcode(&[
        "--from",
        "gsm",
        "--to",
        "pcmu",
        path_str(&gsm),
        path_str(&ulaw),
    ]);
    let ours = std::fs::read(&ulaw).unwrap();
    let theirs = pipe("untoast", &["-u", "-c"], &gsm);
    assert_eq!(ours.len(), theirs.len());
    // u-law codes are ordered by magnitude within each sign half.
    let worst = ours
        .iter()
        .zip(&theirs)
        .map(|(&a, &b)| (i16::from(a) - i16::from(b)).abs())
        .max()
        .unwrap();
    assert!(
        worst <= 1,
        "u-law codes differ by up to {worst} from untoast -u"
    );
}

#[test]
fn g711_encoding_is_the_codec_library_sample_by_sample() {
    let dir = tempfile::tempdir().unwrap();
    let pcm = signals::white_noise(4000, 5);
    let raw = dir.path().join("noise.raw");
    std::fs::write(&raw, pcm_bytes(&pcm)).unwrap();
    for (format, encode) in [
        ("pcmu", codecs::g711::ulaw_encode as fn(i16) -> u8),
        ("pcma", codecs::g711::alaw_encode),
    ] {
        let out = dir.path().join(format);
        transcode(&[
            "--from",
            "pcm16",
            "--rate",
            "8000",
            "--to",
            format,
            path_str(&raw),
            path_str(&out),
        ]);
        let expected: Vec<u8> = pcm.iter().map(|&s| encode(s)).collect();
        assert_eq!(std::fs::read(&out).unwrap(), expected, "{format}");
    }
}

#[test]
fn wav_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let sweep = signals::sweep(8000);
    let raw = dir.path().join("sweep.raw");
    std::fs::write(&raw, pcm_bytes(&sweep)).unwrap();

    // pcm16 -> wav -> pcm16 is lossless, and the wav is what the writer makes.
    let wav = dir.path().join("sweep.wav");
    transcode(&[
        "--from",
        "pcm16",
        "--rate",
        "8000",
        "--to",
        "wav",
        path_str(&raw),
        path_str(&wav),
    ]);
    let bytes = std::fs::read(&wav).unwrap();
    assert_eq!(bytes, codecs::wav::write(8000, &sweep).unwrap());
    let back = dir.path().join("back.raw");
    transcode(&[
        "--from",
        "wav",
        "--to",
        "pcm16",
        path_str(&wav),
        path_str(&back),
    ]);
    assert_eq!(std::fs::read(&back).unwrap(), std::fs::read(&raw).unwrap());

    // wav -> gsm equals pcm16 -> gsm on the same samples.
    let (a, b) = (dir.path().join("a.gsm"), dir.path().join("b.gsm"));
    transcode(&["--from", "wav", "--to", "gsm", path_str(&wav), path_str(&a)]);
    transcode(&[
        "--from",
        "pcm16",
        "--rate",
        "8000",
        "--to",
        "gsm",
        path_str(&raw),
        path_str(&b),
    ]);
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());

    // 8 kHz -> 48 kHz -> 8 kHz: same length, aligned, and close.
    for rate in ["16000", "24000", "48000"] {
        let up = dir.path().join(format!("up{rate}.wav"));
        transcode(&[
            "--from",
            "wav",
            "--to",
            "wav",
            "--out-rate",
            rate,
            path_str(&wav),
            path_str(&up),
        ]);
        let up_bytes = std::fs::read(&up).unwrap();
        let parsed = codecs::wav::parse(&up_bytes).unwrap();
        assert_eq!(parsed.sample_rate().to_string(), rate);
        assert_eq!(parsed.len(), 8000 * parsed.sample_rate() as usize / 8000);
        let down = dir.path().join(format!("down{rate}.raw"));
        transcode(&[
            "--from",
            "wav",
            "--to",
            "pcm16",
            "--out-rate",
            "8000",
            path_str(&up),
            path_str(&down),
        ]);
        let round: Vec<i16> = std::fs::read(&down)
            .unwrap()
            .chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]))
            .collect();
        assert_eq!(round.len(), sweep.len());
        // Away from the ends (filter start-up) the sweep, whose top reaches
        // the 3400 Hz passband edge, comes back sample-aligned (measured:
        // about 86 dB SNR; half a sample of misalignment would give 0 dB).
        let snr = signals::snr_db(&sweep[100..7900], &round[100..7900]);
        assert!(snr > 70.0, "8000 -> {rate} -> 8000: SNR {snr:.1} dB");
    }

    // A 48 kHz wav goes to gsm at 8 kHz: one 33-byte frame per 20 ms.
    let wav48 = dir.path().join("48k.wav");
    std::fs::write(
        &wav48,
        codecs::wav::write(48000, &vec![1000; 48000]).unwrap(),
    )
    .unwrap();
    let gsm48 = dir.path().join("48k.gsm");
    transcode(&[
        "--from",
        "wav",
        "--to",
        "gsm",
        path_str(&wav48),
        path_str(&gsm48),
    ]);
    assert_eq!(std::fs::read(&gsm48).unwrap().len(), 50 * 33);
}

#[test]
fn g729_goes_through_the_codec_factory_frame_by_frame() {
    use codecs::{Codec, decoder_for, encoder_for};
    let dir = tempfile::tempdir().unwrap();
    // 1 s plus 5 ms: the last 10 ms frame is padded with silence.
    let mut pcm = signals::sweep(8040);
    let raw = dir.path().join("sweep.raw");
    std::fs::write(&raw, pcm_bytes(&pcm)).unwrap();
    let g729 = dir.path().join("sweep.g729");
    transcode(&[
        "--from",
        "pcm16",
        "--rate",
        "8000",
        "--to",
        "g729",
        path_str(&raw),
        path_str(&g729),
    ]);
    pcm.resize(8080, 0);
    let mut expected = vec![0u8; 1010];
    assert_eq!(
        encoder_for(Codec::G729)
            .encode(&pcm, &mut expected)
            .unwrap(),
        1010
    );
    let bytes = std::fs::read(&g729).unwrap();
    assert_eq!(bytes, expected);

    let decoded = dir.path().join("decoded.raw");
    transcode(&[
        "--from",
        "g729",
        "--to",
        "pcm16",
        path_str(&g729),
        path_str(&decoded),
    ]);
    let mut decoder = decoder_for(Codec::G729);
    let mut expected = Vec::new();
    for packet in bytes.chunks(20) {
        let mut out = [0i16; 160];
        let n = decoder.decode(packet, &mut out).unwrap();
        expected.extend_from_slice(&pcm_bytes(&out[..n]));
    }
    assert_eq!(std::fs::read(&decoded).unwrap(), expected);

    let truncated = dir.path().join("truncated.g729");
    std::fs::write(&truncated, &bytes[..1005]).unwrap();
    let line = fails(&[
        "--from",
        "g729",
        "--to",
        "wav",
        path_str(&truncated),
        path_str(&decoded),
    ]);
    assert!(
        line.ends_with("g729 input is 1005 bytes, not a whole number of 10-byte frames"),
        "{line}"
    );
}

#[test]
fn stdin_and_stdout_are_dash() {
    let pcm = signals::sweep(1600);
    let mut child = Command::new(env!("CARGO_BIN_EXE_trunkline"))
        .args([
            "transcode",
            "--from",
            "pcm16",
            "--rate",
            "8000",
            "--to",
            "pcmu",
            "-",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&pcm_bytes(&pcm))
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let expected: Vec<u8> = pcm.iter().map(|&s| codecs::g711::ulaw_encode(s)).collect();
    assert_eq!(out.stdout, expected);
}

/// Runs a transcode that must fail and returns its single stderr line.
fn fails(args: &[&str]) -> String {
    let out = trunkline(args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "{args:?} wrote to stdout");
    assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{args:?} should say one line: {stderr}");
    lines[0].to_owned()
}

#[test]
fn bad_input_gets_one_clear_line_and_a_failure_exit() {
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let out = dir.path().join("out").to_str().unwrap().to_owned();
    let mut gsm_frame = [0u8; 33];
    gsm_frame[0] = 0xd0;

    let truncated = file("truncated.gsm", &[0xd0; 1000]);
    assert_eq!(
        fails(&["--from", "gsm", "--to", "wav", &truncated, &out]),
        format!(
            "trunkline transcode: {truncated}: gsm input is 1000 bytes, not a whole number of 33-byte frames"
        )
    );
    let bad_frame = file("bad.gsm", &[gsm_frame, gsm_frame, [0x10; 33]].concat());
    let line = fails(&["--from", "gsm", "--to", "pcm16", &bad_frame, &out]);
    assert!(
        line.contains("gsm frame 2 (byte 66) is not a GSM 06.10 frame"),
        "{line}"
    );

    let wav22k = file("22k.wav", &{
        let mut w = codecs::wav::write(8000, &[0; 10]).unwrap();
        w[24..28].copy_from_slice(&22050u32.to_le_bytes());
        w[28..32].copy_from_slice(&44100u32.to_le_bytes());
        w
    });
    let line = fails(&["--from", "wav", "--to", "gsm", &wav22k, &out]);
    assert!(
        line.contains("WAV sample rate 22050 Hz is not supported"),
        "{line}"
    );
    let raw = file("in.raw", &[0; 640]);
    let line = fails(&[
        "--from", "pcm16", "--rate", "44100", "--to", "gsm", &raw, &out,
    ]);
    assert_eq!(
        line,
        "trunkline transcode: --rate 44100 is not supported: use 8000, 16000, 24000 or 48000"
    );
    let line = fails(&["--from", "pcm16", "--to", "gsm", &raw, &out]);
    assert!(line.contains("--from pcm16 needs --rate"), "{line}");
    let line = fails(&["--from", "wav", "--rate", "8000", "--to", "gsm", &raw, &out]);
    assert!(
        line.contains("--rate applies only to --from pcm16"),
        "{line}"
    );
    let line = fails(&[
        "--from",
        "pcm16",
        "--rate",
        "8000",
        "--to",
        "gsm",
        "--out-rate",
        "16000",
        &raw,
        &out,
    ]);
    assert!(
        line.contains("--out-rate applies only to wav and pcm16 output"),
        "{line}"
    );

    let line = fails(&["--from", "mp3", "--to", "gsm", &raw, &out]);
    assert_eq!(
        line,
        "trunkline transcode: unknown format \"mp3\": use wav, pcm16, pcmu, pcma, gsm or g729"
    );
    let line = fails(&[
        "--from", "pcm16", "--rate", "8000", "--to", "opus", &raw, &out,
    ]);
    assert!(line.contains("unknown format \"opus\""), "{line}");

    let line = fails(&["--from", "wav", "--to", "gsm", &raw, &out]);
    assert!(
        line.ends_with("not a WAV file: it does not start with \"RIFF\""),
        "{line}"
    );
    let short_wav = file(
        "short.wav",
        &codecs::wav::write(8000, &[1; 100]).unwrap()[..100],
    );
    let line = fails(&["--from", "wav", "--to", "gsm", &short_wav, &out]);
    assert!(line.contains("truncated WAV file"), "{line}");
    let stereo = file("stereo.wav", &{
        let mut w = codecs::wav::write(8000, &[0; 10]).unwrap();
        w[22] = 2;
        w
    });
    let line = fails(&["--from", "wav", "--to", "gsm", &stereo, &out]);
    assert!(line.contains("2 channels: only mono"), "{line}");

    let odd = file("odd.raw", &[0; 641]);
    let line = fails(&[
        "--from", "pcm16", "--rate", "8000", "--to", "gsm", &odd, &out,
    ]);
    assert!(
        line.ends_with("pcm16 input is 641 bytes, not a whole number of 2-byte samples"),
        "{line}"
    );

    let missing = dir.path().join("missing.wav");
    let line = fails(&[
        "--from",
        "wav",
        "--to",
        "gsm",
        missing.to_str().unwrap(),
        &out,
    ]);
    assert!(
        line.contains("cannot read") && line.contains("missing.wav"),
        "{line}"
    );
    let unwritable = dir.path().join("no/such/dir/out.gsm");
    let line = fails(&[
        "--from",
        "pcm16",
        "--rate",
        "8000",
        "--to",
        "gsm",
        &raw,
        unwritable.to_str().unwrap(),
    ]);
    assert!(line.contains("cannot write"), "{line}");
    assert!(
        !Path::new(&out).exists(),
        "a failed transcode left an output file"
    );
}
