//! `trunkline transcode`: converts prompts and payload dumps between WAV,
//! raw PCM and the codecs, through the same codec objects calls use.

mod error;
mod format;

use clap::Args;
use codecs::Resampler;
use error::TranscodeError;
use format::Format;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const AFTER_HELP: &str = "\
Formats:
  wav    16-bit PCM mono WAV at 8, 16, 24 or 48 kHz (header checked strictly)
  pcm16  raw signed 16-bit little-endian mono samples; give their rate with --rate
  pcmu   G.711 u-law, one byte per 8 kHz sample
  pcma   G.711 A-law, one byte per 8 kHz sample
  gsm    GSM 06.10, 33-byte frames of 20 ms back to back (the layout of toast)
  g729   G.729 Annex A, 10-byte frames of 10 ms back to back

Audio is resampled to 8 kHz for codec output, and to --out-rate for wav and
pcm16 output. When encoding gsm (g729), a final partial 20 ms (10 ms) frame is
padded with silence, as toast does. Use - for stdin or stdout.

Examples:
  trunkline transcode --from wav --to gsm prompt.wav prompt.gsm
  trunkline transcode --from pcm16 --rate 8000 --to gsm in.raw out.gsm
  trunkline transcode --from gsm --to wav --out-rate 16000 out.gsm check.wav";

/// Arguments of `trunkline transcode`.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct TranscodeArgs {
    /// Input format: wav, pcm16, pcmu, pcma, gsm or g729.
    #[arg(long, value_name = "FMT")]
    from: String,
    /// Output format: wav, pcm16, pcmu, pcma, gsm or g729.
    #[arg(long, value_name = "FMT")]
    to: String,
    /// Sample rate of pcm16 input in Hz (8000, 16000, 24000 or 48000); required with --from pcm16.
    #[arg(long, value_name = "HZ")]
    rate: Option<u32>,
    /// Sample rate of wav or pcm16 output in Hz; defaults to the input's rate (8000 for codec input).
    #[arg(long, value_name = "HZ")]
    out_rate: Option<u32>,
    /// Input file, or - for stdin.
    input: PathBuf,
    /// Output file, or - for stdout.
    output: PathBuf,
}

/// Runs the subcommand: one line on stderr and a failure exit on any error.
pub fn run(args: TranscodeArgs) -> ExitCode {
    match transcode(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("trunkline transcode: {e}");
            ExitCode::FAILURE
        }
    }
}

fn transcode(args: &TranscodeArgs) -> Result<(), TranscodeError> {
    let from: Format = args.from.parse()?;
    let to: Format = args.to.parse()?;
    let in_rate = match (from, args.rate) {
        (Format::Pcm16, Some(rate)) => Some(format::check_rate("--rate", rate)?),
        (Format::Pcm16, None) => return Err(TranscodeError::MissingRate),
        (_, Some(_)) => return Err(TranscodeError::RateNotApplicable(from)),
        (_, None) => None,
    };
    let out_rate = match (to.fixed_rate(), args.out_rate) {
        (Some(_), Some(_)) => return Err(TranscodeError::OutRateNotApplicable(to)),
        (Some(rate), None) => Some(rate),
        (None, Some(rate)) => Some(format::check_rate("--out-rate", rate)?),
        (None, None) => None,
    };

    let bytes = read_input(&args.input)?;
    let (pcm, rate) = format::decode(from, &bytes, in_rate).map_err(|e| e.at(&args.input))?;
    let out_rate = out_rate.unwrap_or(rate);
    let pcm = convert_rate(pcm, rate, out_rate)?;
    let encoded = format::encode(to, &pcm, out_rate).map_err(|e| e.at(&args.output))?;
    write_output(&args.output, &encoded)
}

/// Resamples a whole signal, compensating the filter delay so that the
/// output lines up with the input and has exactly the converted length.
fn convert_rate(pcm: Vec<i16>, from: u32, to: u32) -> Result<Vec<i16>, TranscodeError> {
    if from == to {
        return Ok(pcm);
    }
    let mut resampler = Resampler::new(from, to)?;
    let delay = resampler.group_delay().round() as usize;
    let wanted = (pcm.len() as u64 * u64::from(to) / u64::from(from)) as usize;
    let mut out = Vec::with_capacity(wanted + delay + 8);
    resampler.process(&pcm, &mut out);
    let silence = [0i16; 480];
    while out.len() < wanted + delay {
        resampler.process(&silence, &mut out);
    }
    out.drain(..delay);
    out.truncate(wanted);
    Ok(out)
}

fn read_input(path: &Path) -> Result<Vec<u8>, TranscodeError> {
    let mut bytes = Vec::new();
    let result = if path == Path::new("-") {
        std::io::stdin().lock().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::File::open(path).and_then(|mut f| f.read_to_end(&mut bytes).map(|_| ()))
    };
    result.map_err(|source| TranscodeError::Read {
        path: path.display().to_string(),
        source,
    })?;
    Ok(bytes)
}

fn write_output(path: &Path, bytes: &[u8]) -> Result<(), TranscodeError> {
    let result = if path == Path::new("-") {
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(bytes).and_then(|()| stdout.flush())
    } else {
        std::fs::write(path, bytes)
    };
    result.map_err(|source| TranscodeError::Write {
        path: path.display().to_string(),
        source,
    })
}
