//! libgsm (Debian `libgsm1-dev`), the GSM 06.10 reference oracle, loaded
//! with `dlopen` and wrapped safely.
//!
//! ```text
//! Libgsm::load() ──> encoder() ──> LibgsmEncoder::encode(&[i16;160]) -> [u8;33]
//!               └──> decoder() ──> LibgsmDecoder::decode(&[u8;33]) -> [i16;160]
//! ```
//!
//! Each handle owns one `gsm` state created with libgsm's default options
//! (no WAV49, no fast mode, no LTP cut: what `toast` uses) and destroys it
//! on drop.

use std::ffi::c_void;
use std::sync::Arc;

use libloading::Library;

type Create = unsafe extern "C" fn() -> *mut c_void;
type Destroy = unsafe extern "C" fn(*mut c_void);
type Encode = unsafe extern "C" fn(*mut c_void, *mut i16, *mut u8);
type Decode = unsafe extern "C" fn(*mut c_void, *mut u8, *mut i16) -> i32;

/// The loaded library and the entry points the wrappers use.
struct Api {
    create: Create,
    destroy: Destroy,
    encode: Encode,
    decode: Decode,
    /// Keeps the function pointers above valid.
    _library: Library,
}

/// libgsm, loaded once and shared by the handles made from it.
#[derive(Clone)]
pub struct Libgsm {
    api: Arc<Api>,
}

impl Libgsm {
    /// Loads libgsm, following the oracle policy of [`crate::load`]: `None`
    /// with a skip notice outside CI, a panic under CI, when it is missing.
    pub fn load() -> Option<Libgsm> {
        const PACKAGE: &str = "libgsm1-dev";
        let library = crate::load(&["libgsm.so.1", "libgsm.so"], PACKAGE)?;
        // SAFETY: these are libgsm's documented entry points and the types
        // match its header `gsm.h` (gsm is an opaque pointer, gsm_signal a
        // short, gsm_byte an unsigned char).
        let api = unsafe {
            let create = crate::function::<Create>(&library, b"gsm_create\0", PACKAGE)?;
            let destroy = crate::function::<Destroy>(&library, b"gsm_destroy\0", PACKAGE)?;
            let encode = crate::function::<Encode>(&library, b"gsm_encode\0", PACKAGE)?;
            let decode = crate::function::<Decode>(&library, b"gsm_decode\0", PACKAGE)?;
            Api {
                create,
                destroy,
                encode,
                decode,
                _library: library,
            }
        };
        Some(Libgsm { api: Arc::new(api) })
    }

    fn create(&self) -> Handle {
        // SAFETY: gsm_create takes no arguments and returns a fresh state or null.
        let state = unsafe { (self.api.create)() };
        assert!(!state.is_null(), "gsm_create returned null (out of memory)");
        Handle {
            api: Arc::clone(&self.api),
            state,
        }
    }

    /// A fresh libgsm encoder.
    pub fn encoder(&self) -> LibgsmEncoder {
        LibgsmEncoder(self.create())
    }

    /// A fresh libgsm decoder.
    pub fn decoder(&self) -> LibgsmDecoder {
        LibgsmDecoder(self.create())
    }
}

/// One `gsm` state, destroyed on drop.
struct Handle {
    api: Arc<Api>,
    state: *mut c_void,
}

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: `state` came from gsm_create and is destroyed exactly once.
        unsafe { (self.api.destroy)(self.state) }
    }
}

/// A libgsm encoder state.
pub struct LibgsmEncoder(Handle);

impl LibgsmEncoder {
    /// Encodes one frame of 160 samples into 33 bytes.
    pub fn encode(&mut self, pcm: &[i16; 160]) -> [u8; 33] {
        let mut input = *pcm;
        let mut out = [0u8; 33];
        // SAFETY: gsm_encode reads 160 samples and writes 33 bytes; both
        // buffers are that size and the state is live.
        unsafe { (self.0.api.encode)(self.0.state, input.as_mut_ptr(), out.as_mut_ptr()) };
        out
    }
}

/// A libgsm decoder state.
pub struct LibgsmDecoder(Handle);

impl LibgsmDecoder {
    /// Decodes one 33-byte frame into 160 samples; `None` when libgsm
    /// refuses it (bad signature nibble).
    pub fn decode(&mut self, frame: &[u8; 33]) -> Option<[i16; 160]> {
        let mut input = *frame;
        let mut out = [0i16; 160];
        // SAFETY: gsm_decode reads 33 bytes and writes 160 samples; both
        // buffers are that size and the state is live.
        let rc = unsafe { (self.0.api.decode)(self.0.state, input.as_mut_ptr(), out.as_mut_ptr()) };
        (rc == 0).then_some(out)
    }
}
