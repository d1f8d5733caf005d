//! Precompressed static files. A release server writes `<file>.br` (brotli,
//! quality 11) and `<file>.gz` (gzip, level 9) beside the site's wasm bundle,
//! JS glue and stylesheet once at start, in the background. Leptos' file
//! handler (`ServeDir` with `precompressed_br/gzip`) then sends the smallest
//! encoding a browser accepts, and the server no longer compresses a megabyte
//! of wasm on the fly for every visit.

use std::{
    fs, io,
    io::Write,
    path::{Path, PathBuf},
    time::SystemTime,
};

/// Extensions worth compressing.
const COMPRESSIBLE: [&str; 3] = ["wasm", "js", "css"];
/// The encodings written beside an asset, by file suffix.
const ENCODINGS: [&str; 2] = ["br", "gz"];

/// What [`precompress`] did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Compressed files written.
    pub written: usize,
    /// Compressed files removed because their asset changed since.
    pub removed: usize,
}

/// Brings the compressed siblings of `dir`'s assets up to date: removes every
/// one older than its asset (a rebuild replaced the asset; serving the old
/// one would break the page), then, when `write` is set, writes the missing
/// ones. Debug builds pass `write = false`: their bundle changes on every
/// build and is large; on-the-fly compression serves it.
pub fn precompress(dir: &Path, write: bool) -> io::Result<Report> {
    let mut report = Report::default();
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        let compressible = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| COMPRESSIBLE.contains(&e));
        if !compressible || !path.is_file() {
            continue;
        }
        let asset_time = modified(&path)?;
        let mut data = None;
        for encoding in ENCODINGS {
            let sibling = sibling(&path, encoding);
            if sibling.exists() {
                if modified(&sibling)? >= asset_time {
                    continue;
                }
                fs::remove_file(&sibling)?;
                report.removed += 1;
            }
            if write {
                // Read once, only when a sibling is missing.
                let data = match &mut data {
                    Some(data) => data,
                    empty => empty.insert(fs::read(&path)?),
                };
                write_atomically(&sibling, &compress(data, encoding)?)?;
                report.written += 1;
            }
        }
    }
    Ok(report)
}

fn sibling(path: &Path, encoding: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(encoding);
    PathBuf::from(name)
}

fn modified(path: &Path) -> io::Result<SystemTime> {
    fs::metadata(path)?.modified()
}

fn compress(data: &[u8], encoding: &str) -> io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(data.len() / 3);
    if encoding == "br" {
        let params = brotli::enc::BrotliEncoderParams {
            quality: 11,
            lgwin: 22,
            ..Default::default()
        };
        brotli::BrotliCompress(&mut &data[..], &mut out, &params)?;
    } else {
        let mut gz = flate2::write::GzEncoder::new(&mut out, flate2::Compression::best());
        gz.write_all(data)?;
        gz.finish()?;
    }
    Ok(out)
}

/// Writes through a temporary file and a rename, so a concurrent request
/// never reads half a file.
fn write_atomically(path: &Path, data: &[u8]) -> io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    fs::write(&tmp, data)?;
    fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn wasm_like() -> Vec<u8> {
        (0..40_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect()
    }

    #[test]
    fn writes_both_encodings_that_decode_to_the_asset() {
        let dir = tempfile::tempdir().unwrap();
        let asset = wasm_like();
        fs::write(dir.path().join("app.wasm"), &asset).unwrap();
        fs::write(dir.path().join("notes.txt"), "left alone").unwrap();
        let report = precompress(dir.path(), true).unwrap();
        assert_eq!(
            report,
            Report {
                written: 2,
                removed: 0
            }
        );
        assert!(!dir.path().join("notes.txt.br").exists());

        let br = fs::read(dir.path().join("app.wasm.br")).unwrap();
        let mut decoded = Vec::new();
        brotli::Decompressor::new(&br[..], 4096)
            .read_to_end(&mut decoded)
            .unwrap();
        assert_eq!(decoded, asset);
        assert!(br.len() < asset.len() / 4, "{} bytes", br.len());
        let gz = fs::read(dir.path().join("app.wasm.gz")).unwrap();
        let mut decoded = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut decoded)
            .unwrap();
        assert_eq!(decoded, asset);

        // Up to date: nothing to do the second time.
        assert_eq!(precompress(dir.path(), true).unwrap(), Report::default());
    }

    #[test]
    fn stale_siblings_are_removed_even_when_not_writing() {
        let dir = tempfile::tempdir().unwrap();
        let stale = dir.path().join("app.js.br");
        fs::write(&stale, b"old").unwrap();
        let old = SystemTime::now() - std::time::Duration::from_secs(60);
        fs::File::options()
            .write(true)
            .open(&stale)
            .unwrap()
            .set_modified(old)
            .unwrap();
        fs::write(dir.path().join("app.js"), "console.log(1)").unwrap();
        let report = precompress(dir.path(), false).unwrap();
        assert_eq!(
            report,
            Report {
                written: 0,
                removed: 1
            }
        );
        assert!(!stale.exists());
    }
}
