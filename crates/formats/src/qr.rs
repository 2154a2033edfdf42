//! The EPC QR code drawn as SVG (web pages, e-mail) and PNG (letters, attachments). EPC069-12
//! asks for error-correction level M and at most QR version 13, 69×69 modules
//! (`../shared/docs/formats.md` §2); ISO/IEC 18004 asks for a quiet zone of four modules.

use qrcode::bits::Bits;
use qrcode::{EcLevel, QrCode, Version};

use crate::epc_qr::MAX_BYTES;

/// Highest QR version EPC069-12 allows.
pub const MAX_VERSION: i16 = 13;
/// Light modules around the code, as ISO/IEC 18004 asks.
pub const QUIET_ZONE: usize = 4;

/// Why a payload cannot be drawn.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    /// More bytes than an EPC QR code holds.
    #[error("{0} bytes; an EPC QR code holds at most {MAX_BYTES}")]
    TooLong(usize),
    /// The code would be larger than version 13 (cannot happen for at most 331 bytes).
    #[error("the code needs QR version {0} or more; EPC069-12 allows at most {MAX_VERSION}")]
    TooLarge(i16),
    /// The PNG writer failed.
    #[error("writing the PNG failed: {0}")]
    Png(String),
}

/// The modules of one QR code, error-correction level M.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrSymbol {
    width: usize,
    version: i16,
    dark: Vec<bool>,
}

impl QrSymbol {
    /// Encodes an EPC payload (from [`crate::epc_qr::encode`]) at level M.
    pub fn epc(payload: &[u8]) -> Result<Self, QrError> {
        if payload.len() > MAX_BYTES {
            return Err(QrError::TooLong(payload.len()));
        }
        // One byte-mode segment in the smallest version that holds it: the size then follows
        // from the length alone, and 331 bytes fit version 13 exactly. (Mixed segments can come
        // out larger: fuzzing found a 300-byte payload that needed version 14.)
        let code = (1..=MAX_VERSION)
            .find_map(|v| {
                let mut bits = Bits::new(Version::Normal(v));
                bits.push_byte_data(payload).ok()?;
                bits.push_terminator(EcLevel::M).ok()?;
                QrCode::with_bits(bits, EcLevel::M).ok()
            })
            .ok_or(QrError::TooLarge(MAX_VERSION + 1))?;
        let version = match code.version() {
            Version::Normal(v) => v,
            Version::Micro(v) => v,
        };
        let width = code.width();
        let dark = code.to_colors().into_iter().map(|c| c == qrcode::Color::Dark).collect();
        Ok(QrSymbol { width, version, dark })
    }

    /// The QR version (1 to 13).
    pub fn version(&self) -> i16 {
        self.version
    }

    /// Modules per side, without the quiet zone.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Whether the module at column `x`, row `y` is dark (outside the code: light).
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.width && y < self.width && self.dark[y * self.width + x]
    }

    /// An SVG image, one unit per module with the quiet zone, scaling to any size. `title` is
    /// what a screen reader says (for example "Betaal € 121,00 aan Bakkerij Jansen").
    pub fn svg(&self, title: &str) -> String {
        let side = self.width + 2 * QUIET_ZONE;
        let mut path = String::with_capacity(self.dark.len() * 4);
        // Runs of dark modules per row as one rectangle each: a few kilobytes at version 13.
        for y in 0..self.width {
            let mut x = 0;
            while x < self.width {
                if !self.is_dark(x, y) {
                    x += 1;
                    continue;
                }
                let start = x;
                while x < self.width && self.is_dark(x, y) {
                    x += 1;
                }
                path.push_str(&format!("M{} {}h{}v1h-{}z", start + QUIET_ZONE, y + QUIET_ZONE, x - start, x - start));
            }
        }
        let title = crate::xml::escape(title);
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {side} {side}\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"{title}\">\
             <title>{title}</title><rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/><path fill=\"#000\" d=\"{path}\"/></svg>"
        )
    }

    /// A black-and-white PNG with `module_pixels` pixels per module and the quiet zone (at
    /// 300 dpi, 6 pixels per module draws a version-6 code 2.4 cm wide).
    pub fn png(&self, module_pixels: u32) -> Result<Vec<u8>, QrError> {
        let scale = module_pixels.max(1) as usize;
        let side = (self.width + 2 * QUIET_ZONE) * scale;
        let row_bytes = side.div_ceil(8);
        let mut data = vec![0xFFu8; row_bytes * side];
        for y in 0..side {
            let my = (y / scale).wrapping_sub(QUIET_ZONE);
            for x in 0..side {
                let mx = (x / scale).wrapping_sub(QUIET_ZONE);
                if self.is_dark(mx, my) {
                    data[y * row_bytes + x / 8] &= !(0x80 >> (x % 8));
                }
            }
        }
        let side = u32::try_from(side).map_err(|e| QrError::Png(e.to_string()))?;
        let mut out = Vec::with_capacity(data.len() / 4 + 128);
        let mut encoder = png::Encoder::new(&mut out, side, side);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::One);
        let mut writer = encoder.write_header().map_err(|e| QrError::Png(e.to_string()))?;
        writer.write_image_data(&data).map_err(|e| QrError::Png(e.to_string()))?;
        writer.finish().map_err(|e| QrError::Png(e.to_string()))?;
        Ok(out)
    }
}
