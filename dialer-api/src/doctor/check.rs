//! One line of the doctor's report: PASS, FAIL or SKIP, what was checked,
//! what was found and, on FAIL, what to do.

use std::fmt;

/// The verdict of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Status {
    /// It works.
    Pass,
    /// It does not work; the line says what to do.
    Fail,
    /// Not checked; the line says why.
    Skip,
}

impl Status {
    /// `PASS`, `FAIL` or `SKIP`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::Skip => "SKIP",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One check's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// The verdict.
    pub status: Status,
    /// What was checked, e.g. `options sip1.alienvoip.com:5060`.
    pub name: String,
    /// What was found.
    pub detail: String,
    /// What to do about a failure.
    pub advice: Option<String>,
}

impl Check {
    /// A passed check.
    pub fn pass(name: impl Into<String>, detail: impl Into<String>) -> Check {
        Check {
            status: Status::Pass,
            name: name.into(),
            detail: detail.into(),
            advice: None,
        }
    }

    /// A failed check with the advice for it.
    pub fn fail(
        name: impl Into<String>,
        detail: impl Into<String>,
        advice: impl Into<String>,
    ) -> Check {
        Check {
            status: Status::Fail,
            name: name.into(),
            detail: detail.into(),
            advice: Some(advice.into()),
        }
    }

    /// A check not run, and why.
    pub fn skip(name: impl Into<String>, why: impl Into<String>) -> Check {
        Check {
            status: Status::Skip,
            name: name.into(),
            detail: why.into(),
            advice: None,
        }
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.status, self.name, self.detail)?;
        if let Some(advice) = &self.advice {
            write!(f, ": {advice}")?;
        }
        Ok(())
    }
}

/// Every check of one run, in the order they were printed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// The checks.
    pub checks: Vec<Check>,
}

impl Report {
    /// How many checks have `status`.
    pub fn count(&self, status: Status) -> usize {
        self.checks.iter().filter(|c| c.status == status).count()
    }

    /// True when no check failed.
    pub fn healthy(&self) -> bool {
        self.count(Status::Fail) == 0
    }

    /// `doctor: 9 passed, 1 failed, 2 skipped`.
    pub fn summary(&self) -> String {
        format!(
            "doctor: {} passed, {} failed, {} skipped",
            self.count(Status::Pass),
            self.count(Status::Fail),
            self.count(Status::Skip)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_reads_status_name_detail_and_advice() {
        let fail = Check::fail(
            "register sip1.alienvoip.com:5060",
            "SIP registration failed: 403 Forbidden from sip1.alienvoip.com",
            "check username and password in the trunk settings",
        );
        assert_eq!(
            fail.to_string(),
            "FAIL register sip1.alienvoip.com:5060: SIP registration failed: 403 Forbidden from \
             sip1.alienvoip.com: check username and password in the trunk settings"
        );
        let pass = Check::pass("rtp ports", "bound");
        assert_eq!(pass.to_string(), "PASS rtp ports: bound");
        let report = Report {
            checks: vec![pass, fail, Check::skip("codecs", "no test number")],
        };
        assert!(!report.healthy());
        assert_eq!(report.summary(), "doctor: 1 passed, 1 failed, 1 skipped");
    }
}
