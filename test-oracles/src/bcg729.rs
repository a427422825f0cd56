//! A safe wrapper over Belledonne's libbcg729 (Debian `libbcg729-dev`),
//! loaded at run time. GPL-3: used as a black-box oracle in tests and
//! benches only.

use std::ffi::c_void;
use std::sync::Arc;

use libloading::{Library, Symbol};

type InitEncoder = unsafe extern "C" fn(u8) -> *mut c_void;
type Encode = unsafe extern "C" fn(*mut c_void, *const i16, *mut u8, *mut u8);
type CloseEncoder = unsafe extern "C" fn(*mut c_void);
type InitDecoder = unsafe extern "C" fn() -> *mut c_void;
type Decode = unsafe extern "C" fn(*mut c_void, *const u8, u8, u8, u8, u8, *mut i16);
type CloseDecoder = unsafe extern "C" fn(*mut c_void);

/// The loaded library; cheap to clone.
#[derive(Clone)]
pub struct Bcg729 {
    lib: Arc<Library>,
}

impl Bcg729 {
    /// Loads libbcg729, following the oracle policy of [`crate::load`].
    pub fn load() -> Option<Bcg729> {
        let lib = crate::load(&["libbcg729.so.0", "libbcg729.so"], "libbcg729-dev")?;
        Some(Bcg729 { lib: Arc::new(lib) })
    }

    fn symbol<T>(&self, name: &[u8]) -> Symbol<'_, T> {
        // SAFETY: the symbol names and types match /usr/include/bcg729/*.h.
        unsafe { self.lib.get(name) }.expect("libbcg729 lacks an expected symbol")
    }

    /// A new encoder channel (`vad` enables Annex B VAD/DTX).
    pub fn encoder(&self, vad: bool) -> Bcg729Encoder {
        let init: Symbol<InitEncoder> = self.symbol(b"initBcg729EncoderChannel\0");
        // SAFETY: plain constructor returning an owned context.
        let ctx = unsafe { init(u8::from(vad)) };
        assert!(!ctx.is_null(), "initBcg729EncoderChannel failed");
        Bcg729Encoder {
            lib: self.clone(),
            ctx,
        }
    }

    /// A new decoder channel.
    pub fn decoder(&self) -> Bcg729Decoder {
        let init: Symbol<InitDecoder> = self.symbol(b"initBcg729DecoderChannel\0");
        // SAFETY: plain constructor returning an owned context.
        let ctx = unsafe { init() };
        assert!(!ctx.is_null(), "initBcg729DecoderChannel failed");
        Bcg729Decoder {
            lib: self.clone(),
            ctx,
        }
    }
}

/// One bcg729 encoder channel.
pub struct Bcg729Encoder {
    lib: Bcg729,
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
        let f: Symbol<Encode> = self.lib.symbol(b"bcg729Encoder\0");
        let mut len = 0u8;
        // SAFETY: ctx is live; the buffers have the sizes the API documents.
        unsafe { f(self.ctx, pcm.as_ptr(), out.as_mut_ptr(), &mut len) };
        usize::from(len).min(10)
    }
}

impl Drop for Bcg729Encoder {
    fn drop(&mut self) {
        let f: Symbol<CloseEncoder> = self.lib.symbol(b"closeBcg729EncoderChannel\0");
        // SAFETY: ctx came from initBcg729EncoderChannel and is closed once.
        unsafe { f(self.ctx) };
    }
}

/// One bcg729 decoder channel.
pub struct Bcg729Decoder {
    lib: Bcg729,
    ctx: *mut c_void,
}

impl Bcg729Decoder {
    /// Decodes one frame: `bits` is a 10-byte speech frame or a 2-byte SID
    /// frame (`sid` set); `erased` runs the bad-frame path.
    pub fn decode(&mut self, bits: &[u8], erased: bool, sid: bool) -> [i16; 80] {
        let f: Symbol<Decode> = self.lib.symbol(b"bcg729Decoder\0");
        let mut buf = [0u8; 10];
        let n = bits.len().min(10);
        buf[..n].copy_from_slice(&bits[..n]);
        let mut out = [0i16; 80];
        // SAFETY: ctx is live; bits has at least `n` readable bytes and out holds 80 samples.
        unsafe {
            f(
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
        let f: Symbol<CloseDecoder> = self.lib.symbol(b"closeBcg729DecoderChannel\0");
        // SAFETY: ctx came from initBcg729DecoderChannel and is closed once.
        unsafe { f(self.ctx) };
    }
}
