//! Image datasets in the IDX format of MNIST and Fashion-MNIST (raw or gzip-compressed), and
//! where to find them on this machine.
//!
//! An IDX file is a 4-byte magic number (two zero bytes, a type code, the number of dimensions),
//! one big-endian `u32` per dimension, then the values; Cajal reads unsigned-byte files
//! (type code 0x08): images (3 dimensions: count, rows, columns) and labels (1 dimension).

use crate::DataError;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Labelled grey-level images, row-major, one byte (0 = background, 255 = ink) per pixel.
#[derive(Clone, Debug, PartialEq)]
pub struct ImageSet {
    /// Rows per image.
    pub rows: usize,
    /// Columns per image.
    pub cols: usize,
    /// All pixels, image after image (`len() == count() * rows * cols`).
    pub pixels: Vec<u8>,
    /// One label per image.
    pub labels: Vec<u8>,
}

impl ImageSet {
    /// Number of images.
    pub fn count(&self) -> usize {
        self.labels.len()
    }

    /// Pixels per image.
    pub fn pixels_per_image(&self) -> usize {
        self.rows * self.cols
    }

    /// The pixels of image `i`.
    pub fn image(&self, i: usize) -> &[u8] {
        let n = self.pixels_per_image();
        &self.pixels[i * n..(i + 1) * n]
    }

    /// The first `n` images (all of them if there are fewer).
    pub fn take(mut self, n: usize) -> ImageSet {
        let n = n.min(self.count());
        self.pixels.truncate(n * self.pixels_per_image());
        self.labels.truncate(n);
        self
    }

    /// Reads an image file and its label file and checks that they agree.
    pub fn read(images: &Path, label_file: &Path) -> Result<ImageSet, DataError> {
        let (dims, pixels) = read_idx_u8(images)?;
        if dims.len() != 3 {
            return Err(crate::format_err(
                images,
                format!(
                    "an image file has 3 dimensions (count, rows, columns), this one {}: is it a label file?",
                    dims.len()
                ),
            ));
        }
        let (ldims, labels) = read_idx_u8(label_file)?;
        if ldims.len() != 1 {
            return Err(crate::format_err(
                label_file,
                format!(
                    "a label file has 1 dimension, this one {}: is it an image file?",
                    ldims.len()
                ),
            ));
        }
        if ldims[0] != dims[0] {
            return Err(crate::format_err(
                label_file,
                format!(
                    "{} labels for {} images in {}: the two files do not belong together",
                    ldims[0],
                    dims[0],
                    images.display()
                ),
            ));
        }
        Ok(ImageSet {
            rows: dims[1],
            cols: dims[2],
            pixels,
            labels,
        })
    }
}

/// Reads an unsigned-byte IDX file (gzip-compressed when its name ends in `.gz`): its dimensions
/// and values.
pub fn read_idx_u8(path: &Path) -> Result<(Vec<usize>, Vec<u8>), DataError> {
    let file = std::fs::File::open(path).map_err(crate::io_err(path))?;
    let mut bytes = Vec::new();
    if path.extension().is_some_and(|e| e == "gz") {
        flate2::read::GzDecoder::new(std::io::BufReader::new(file))
            .read_to_end(&mut bytes)
            .map_err(|e| crate::format_err(path, format!("not a valid gzip file ({e})")))?;
    } else {
        std::io::BufReader::new(file)
            .read_to_end(&mut bytes)
            .map_err(crate::io_err(path))?;
    }
    parse_idx_u8(&bytes).map_err(|m| crate::format_err(path, m))
}

/// Parses the bytes of an unsigned-byte IDX file.
pub fn parse_idx_u8(bytes: &[u8]) -> Result<(Vec<usize>, Vec<u8>), String> {
    if bytes.len() < 4 || bytes[0] != 0 || bytes[1] != 0 {
        return Err("not an IDX file (it must start with two zero bytes)".into());
    }
    if bytes[2] != 0x08 {
        return Err(format!(
            "IDX value type 0x{:02x} is not supported (only unsigned bytes, 0x08)",
            bytes[2]
        ));
    }
    let ndim = bytes[3] as usize;
    if ndim == 0 || bytes.len() < 4 + 4 * ndim {
        return Err(format!(
            "the header promises {ndim} dimensions but the file ends first"
        ));
    }
    let dims: Vec<usize> = (0..ndim)
        .map(|d| {
            let b = &bytes[4 + 4 * d..8 + 4 * d];
            u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize
        })
        .collect();
    let count = dims
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .ok_or("the dimensions overflow")?;
    let data = &bytes[4 + 4 * ndim..];
    if data.len() != count {
        return Err(format!(
            "dimensions {dims:?} call for {count} values but the file holds {} (truncated or corrupt download?)",
            data.len()
        ));
    }
    Ok((dims, data.to_vec()))
}

/// The datasets Cajal knows where to look for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DatasetName {
    /// Fashion-MNIST (Xiao et al. 2017): 60,000 training and 10,000 test images of clothing.
    FashionMnist,
    /// MNIST handwritten digits.
    Mnist,
}

impl DatasetName {
    /// Parses `fashion-mnist` or `mnist`.
    pub fn from_name(name: &str) -> Option<DatasetName> {
        match name {
            "fashion-mnist" | "fashion_mnist" | "fashion" => Some(DatasetName::FashionMnist),
            "mnist" => Some(DatasetName::Mnist),
            _ => None,
        }
    }

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            DatasetName::FashionMnist => "fashion-mnist",
            DatasetName::Mnist => "mnist",
        }
    }

    /// Class names, in label order.
    pub fn class_names(self) -> [&'static str; 10] {
        match self {
            DatasetName::FashionMnist => [
                "T-shirt/top",
                "Trouser",
                "Pullover",
                "Dress",
                "Coat",
                "Sandal",
                "Shirt",
                "Sneaker",
                "Bag",
                "Ankle boot",
            ],
            DatasetName::Mnist => ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
        }
    }

    /// Folders searched, in order, when no folder is given: `$CAJAL_DATASETS/<name>`, the Debian
    /// package's folder, and `shared/datasets` beside or above the working folder.
    pub fn search_folders(self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let subdirs: &[&str] = match self {
            DatasetName::FashionMnist => &["fashion-mnist"],
            DatasetName::Mnist => &["mnist", "mnist-test"],
        };
        if let Some(root) = std::env::var_os("CAJAL_DATASETS") {
            for s in subdirs {
                out.push(Path::new(&root).join(s));
            }
        }
        for s in subdirs {
            out.push(Path::new("/usr/share/datasets").join(s));
        }
        for up in [
            "shared/datasets",
            "../shared/datasets",
            "../../shared/datasets",
        ] {
            for s in subdirs {
                out.push(Path::new(up).join(s));
            }
        }
        out
    }

    /// How to install the dataset.
    pub fn install_hint(self) -> &'static str {
        match self {
            DatasetName::FashionMnist => {
                "install it with `apt-get install dataset-fashion-mnist` (files in \
                 /usr/share/datasets/fashion-mnist/), or pass --data FOLDER holding \
                 train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz \
                 and t10k-labels-idx1-ubyte.gz (from https://github.com/zalandoresearch/fashion-mnist)"
            }
            DatasetName::Mnist => {
                "pass --data FOLDER holding the MNIST IDX files (train-images-idx3-ubyte[.gz], \
                 train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]), \
                 or set CAJAL_DATASETS to a folder with an `mnist` subfolder; the test set alone \
                 is in shared/datasets/mnist-test"
            }
        }
    }
}

/// Which half of a dataset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    /// The training images (`train-*`).
    Train,
    /// The test images (`t10k-*`).
    Test,
}

impl Split {
    fn prefix(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Test => "t10k",
        }
    }
}

/// The image and label files of `split` in `folder`, raw or `.gz`, if both are there.
pub fn split_files(folder: &Path, split: Split) -> Option<(PathBuf, PathBuf)> {
    let find = |stem: String| {
        [format!("{stem}.gz"), stem]
            .into_iter()
            .map(|n| folder.join(n))
            .find(|p| p.is_file())
    };
    let p = split.prefix();
    Some((
        find(format!("{p}-images-idx3-ubyte"))?,
        find(format!("{p}-labels-idx1-ubyte"))?,
    ))
}

/// Loads `split` of `dataset` from `folder`, or from the first of
/// [`DatasetName::search_folders`] that holds it; a missing dataset is an error that says where
/// Cajal looked and how to install it.
pub fn load(
    dataset: DatasetName,
    split: Split,
    folder: Option<&Path>,
) -> Result<ImageSet, DataError> {
    let candidates = match folder {
        Some(f) => vec![f.to_path_buf()],
        None => dataset.search_folders(),
    };
    for c in &candidates {
        if let Some((images, labels)) = split_files(c, split) {
            return ImageSet::read(&images, &labels);
        }
    }
    let looked: Vec<String> = candidates.iter().map(|c| c.display().to_string()).collect();
    Err(DataError::Format {
        path: candidates.first().cloned().unwrap_or_default(),
        message: format!(
            "the {} {} set ({}-images-idx3-ubyte[.gz] and {}-labels-idx1-ubyte[.gz]) is not in {}; {}",
            dataset.name(),
            match split {
                Split::Train => "training",
                Split::Test => "test",
            },
            split.prefix(),
            split.prefix(),
            looked.join(", "),
            dataset.install_hint()
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idx(dims: &[u32], values: &[u8]) -> Vec<u8> {
        let mut b = vec![0, 0, 8, dims.len() as u8];
        for d in dims {
            b.extend_from_slice(&d.to_be_bytes());
        }
        b.extend_from_slice(values);
        b
    }

    #[test]
    fn parses_dimensions_and_values() {
        let (dims, v) = parse_idx_u8(&idx(&[2, 1, 3], &[1, 2, 3, 4, 5, 6])).unwrap();
        assert_eq!(dims, vec![2, 1, 3]);
        assert_eq!(v, vec![1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn rejects_truncated_and_foreign_files() {
        let e = parse_idx_u8(&idx(&[2, 2, 2], &[0; 7])).unwrap_err();
        assert!(e.contains("call for 8 values"), "{e}");
        let e = parse_idx_u8(b"PK\x03\x04rest").unwrap_err();
        assert!(e.contains("not an IDX file"), "{e}");
        let mut f = idx(&[2], &[0, 0, 0, 0, 0, 0, 0, 0]);
        f[2] = 0x0d;
        assert!(parse_idx_u8(&f).unwrap_err().contains("0x0d"));
        assert!(parse_idx_u8(&[0, 0, 8, 3, 0])
            .unwrap_err()
            .contains("ends first"));
    }

    #[test]
    fn reads_raw_and_gzip_pairs_and_checks_they_match() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let img = idx(&[2, 2, 2], &[0, 1, 2, 3, 4, 5, 6, 7]);
        std::fs::write(dir.path().join("train-images-idx3-ubyte"), &img).unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&idx(&[2], &[3, 9])).unwrap();
        std::fs::write(
            dir.path().join("train-labels-idx1-ubyte.gz"),
            gz.finish().unwrap(),
        )
        .unwrap();
        let set = load(DatasetName::Mnist, Split::Train, Some(dir.path())).unwrap();
        assert_eq!((set.count(), set.rows, set.cols), (2, 2, 2));
        assert_eq!(set.image(1), &[4, 5, 6, 7]);
        assert_eq!(set.labels, vec![3, 9]);
        // a test split is not there: the message says how to get it
        let e = load(DatasetName::Mnist, Split::Test, Some(dir.path()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("t10k-images") && e.contains("--data"), "{e}");
        // labels that do not match the images
        std::fs::write(
            dir.path().join("train-labels-idx1-ubyte.gz"),
            b"not gzip at all",
        )
        .unwrap();
        let e = load(DatasetName::Mnist, Split::Train, Some(dir.path()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("gzip"), "{e}");
    }
}
