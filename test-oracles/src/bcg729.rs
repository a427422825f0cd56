//! A safe wrapper over Belledonne's libbcg729 (Debian `libbcg729-dev`),
//! loaded at run time. GPL-3: used as a black-box oracle in tests and
//! benches only.

use std::ffi::c_void;
use std::sync::Arc;

use libloading::Library;

type InitEncoder = unsafe extern "C" fn(u8) -> *mut c_void;
type Encode = unsafe extern "C" fn(*mut c_void, *const i16, *mut u8, *mut u8);
type CloseEncoder = unsafe extern "C" fn(*mut c_void);
type InitDecoder = unsafe extern "C" fn() -> *mut c_void;
type Decode = unsafe extern "C" fn(*mut c_void, *const u8, u8, u8, u8, u8, *mut i16);
type CloseDecoder = unsafe extern "C" fn(*mut c_void);

/// The library and its entry points, looked up once at load so a call
/// costs what bcg729's code costs (no `dlsym` per frame in the benches).
struct Api {
    init_encoder: InitEncoder,
    encode: Encode,
    close_encoder: CloseEncoder,
    init_decoder: InitDecoder,
    decode: Decode,
    close_decoder: CloseDecoder,
    /// Keeps the function pointers above valid.
    _library: Library,
}

/// The loaded library; cheap to clone.
#[derive(Clone)]
pub struct Bcg729 {
    api: Arc<Api>,
}

impl Bcg729 {
    /// Loads libbcg729 and its entry points, following the oracle policy
    /// of [`crate::load`] (also when the library lacks a function).
    pub fn load() -> Option<Bcg729> {
        const PACKAGE: &str = "libbcg729-dev";
        let library = crate::load(&["libbcg729.so.0", "libbcg729.so"], PACKAGE)?;
        // SAFETY: the symbol names and types match /usr/include/bcg729/*.h.
        let api = unsafe {
            Api {
                init_encoder: crate::function(&library, b"initBcg729EncoderChannel\0", PACKAGE)?,
                encode: crate::function(&library, b"bcg729Encoder\0", PACKAGE)?,
                close_encoder: crate::function(&library, b"closeBcg729EncoderChannel\0", PACKAGE)?,
                init_decoder: crate::function(&library, b"initBcg729DecoderChannel\0", PACKAGE)?,
                decode: crate::function(&library, b"bcg729Decoder\0", PACKAGE)?,
                close_decoder: crate::function(&library, b"closeBcg729DecoderChannel\0", PACKAGE)?,
                _library: library,
            }
        };
        Some(Bcg729 { api: Arc::new(api) })
    }

    /// A new encoder channel (`vad` enables Annex B VAD/DTX).
    pub fn encoder(&self, vad: bool) -> Bcg729Encoder {
        // SAFETY: plain constructor returning an owned context.
        let ctx = unsafe { (self.api.init_encoder)(u8::from(vad)) };
        assert!(!ctx.is_null(), "initBcg729EncoderChannel failed");
        Bcg729Encoder {
            api: Arc::clone(&self.api),
            ctx,
        }
    }

    /// A new decoder channel.
    pub fn decoder(&self) -> Bcg729Decoder {
        // SAFETY: plain constructor returning an owned context.
        let ctx = unsafe { (self.api.init_decoder)() };
        assert!(!ctx.is_null(), "initBcg729DecoderChannel failed");
        Bcg729Decoder {
            api: Arc::clone(&self.api),
            ctx,
        }
    }
}

/// One bcg729 encoder channel.
pub struct Bcg729Encoder {
    api: Arc<Api>,
    ctx: *mut c_void,
}

impl Bcg729Encoder {
    /// Encodes 80 samples; returns the frame bytes (10 for speech, 2 for
    /// SID, 0 for an untransmitted frame when VAD is on).
    pub fn encode(&mut self, pcm: &[i16; 80]) -> Vec<u8> {
        let mut out = [0u8; 10];
        let len = self.encode_into(pcm, &mut out);
        out[..len].to_vec()
    }

    /// Like [`Bcg729Encoder::encode`] without allocating: writes into `out`
    /// and returns the length (for benches).
    pub fn encode_into(&mut self, pcm: &[i16; 80], out: &mut [u8; 10]) -> usize {
        let mut len = 0u8;
        // SAFETY: ctx is live; the buffers have the sizes the API documents.
        unsafe { (self.api.encode)(self.ctx, pcm.as_ptr(), out.as_mut_ptr(), &mut len) };
        usize::from(len).min(10)
    }
}

impl Drop for Bcg729Encoder {
    fn drop(&mut self) {
        // SAFETY: ctx came from initBcg729EncoderChannel and is closed once.
        unsafe { (self.api.close_encoder)(self.ctx) };
    }
}

/// One bcg729 decoder channel.
pub struct Bcg729Decoder {
    api: Arc<Api>,
    ctx: *mut c_void,
}

impl Bcg729Decoder {
    /// Decodes one frame: `bits` is a 10-byte speech frame or a 2-byte SID
    /// frame (`sid` set); `erased` runs the bad-frame path.
    pub fn decode(&mut self, bits: &[u8], erased: bool, sid: bool) -> [i16; 80] {
        let mut buf = [0u8; 10];
        let n = bits.len().min(10);
        buf[..n].copy_from_slice(&bits[..n]);
        let mut out = [0i16; 80];
        // SAFETY: ctx is live; bits has at least `n` readable bytes and out holds 80 samples.
        unsafe {
            (self.api.decode)(
                self.ctx,
                buf.as_ptr(),
                n as u8,
                u8::from(erased),
                u8::from(sid),
                0,
                out.as_mut_ptr(),
            )
        };
        out
    }
}

impl Drop for Bcg729Decoder {
    fn drop(&mut self) {
        // SAFETY: ctx came from initBcg729DecoderChannel and is closed once.
        unsafe { (self.api.close_decoder)(self.ctx) };
    }
}
