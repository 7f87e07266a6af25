//! The measuring commands' flags: `--name value` pairs and the `--write-docs` switch.

/// One `--name value` pair.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Flag<'a> {
    pub(crate) name: &'a str,
    pub(crate) value: &'a str,
}

impl Flag<'_> {
    /// The value as a whole number.
    pub(crate) fn number(self) -> Result<u64, String> {
        self.value
            .parse()
            .map_err(|_| format!("{}: {} is not a number", self.name, self.value))
    }

    /// The value as a comma-separated list of rates.
    pub(crate) fn rates(self) -> Result<Vec<u32>, String> {
        self.value
            .split(',')
            .map(|r| r.trim().parse().map_err(|_| format!("bad rate {r}")))
            .collect()
    }

    /// The flag is not one the command knows.
    pub(crate) fn unknown(self, command: &str) -> String {
        format!("unknown {command} flag {}", self.name)
    }
}

/// Hands every `--name value` pair of `args` to `apply`, in order, and returns whether
/// `--write-docs` was given.
///
/// # Errors
/// A flag without a value, or what `apply` refuses.
pub(crate) fn parse<'a>(
    args: &'a [String],
    mut apply: impl FnMut(Flag<'a>) -> Result<(), String>,
) -> Result<bool, String> {
    let mut write_docs = false;
    let mut it = args.iter();
    while let Some(name) = it.next() {
        if name == "--write-docs" {
            write_docs = true;
            continue;
        }
        let value = it.next().ok_or_else(|| format!("{name} needs a value"))?;
        apply(Flag { name, value })?;
    }
    Ok(write_docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_and_the_docs_switch() {
        let args: Vec<String> = ["--seconds", "5", "--write-docs", "--rates", "1, 2"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let mut seen = Vec::new();
        let docs = parse(&args, |f| {
            seen.push((f.name, f.value));
            Ok(())
        })
        .unwrap();
        assert!(docs);
        assert_eq!(seen, [("--seconds", "5"), ("--rates", "1, 2")]);
        assert_eq!(
            Flag {
                name: "--rates",
                value: "1, 2"
            }
            .rates()
            .unwrap(),
            [1, 2]
        );
        assert!(
            Flag {
                name: "--seconds",
                value: "x"
            }
            .number()
            .is_err()
        );
        let missing: Vec<String> = vec!["--seconds".to_owned()];
        assert_eq!(
            parse(&missing, |_| Ok(())).unwrap_err(),
            "--seconds needs a value"
        );
    }
}
