//! A sans-IO RTP media engine.
