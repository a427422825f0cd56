//! A sans-IO SIP user agent core.
