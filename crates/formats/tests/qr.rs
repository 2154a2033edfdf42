//! EPC QR codes drawn as PNG and SVG, then scanned back: every shared sample payload, and
//! the longest payload the EPC allows.

use formats::qr::{MAX_VERSION, QUIET_ZONE, QrError, QrSymbol};

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/samples/epc-qr");

fn valid_samples() -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(SAMPLES)
        .expect("the shared samples sit beside the project")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| !n.starts_with("invalid")))
        .map(|p| (p.display().to_string(), std::fs::read(&p).expect("read")))
        .collect();
    out.sort();
    assert!(out.len() >= 6, "the valid samples are there: {}", out.len());
    out
}

/// Decodes a PNG into grey pixels and scans it the way a banking app would.
fn scan_png(png_bytes: &[u8]) -> (u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("frame");
    assert_eq!((info.color_type, info.bit_depth), (png::ColorType::Grayscale, png::BitDepth::One));
    assert_eq!(info.width, info.height);
    let (w, row) = (info.width as usize, info.line_size);
    let grey = |x: usize, y: usize| if buf[y * row + x / 8] & (0x80 >> (x % 8)) != 0 { 255u8 } else { 0 };
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, w, grey);
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one code in the image");
    let mut content = Vec::new();
    let meta = grids[0].decode_to(&mut content).expect("the code scans");
    (u32::from(meta.ecc_level), content)
}

#[test]
fn every_sample_payload_scans_back_from_the_png_at_level_m() {
    for (name, payload) in valid_samples() {
        let symbol = QrSymbol::epc(&payload).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!((1..=MAX_VERSION).contains(&symbol.version()), "{name}: version {}", symbol.version());
        assert_eq!(symbol.width(), symbol.version() as usize * 4 + 17);
        let png = symbol.png(4).expect("png");
        let (ecc, content) = scan_png(&png);
        // rqrr numbers the levels by their format bits: M is 0 (ISO/IEC 18004 table 12).
        assert_eq!(ecc, 0, "{name}: error-correction level M");
        assert_eq!(content, payload, "{name}: the scanned payload is the payload, byte for byte");
    }
}

#[test]
fn png_pixels_follow_the_modules_with_a_quiet_zone() {
    let (_, payload) = &valid_samples()[0];
    let symbol = QrSymbol::epc(payload).expect("encode");
    let png = symbol.png(3).expect("png");
    let decoder = png::Decoder::new(std::io::Cursor::new(&png));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("frame");
    let side = (symbol.width() + 2 * QUIET_ZONE) * 3;
    assert_eq!(info.width as usize, side);
    let dark = |x: usize, y: usize| buf[y * info.line_size + x / 8] & (0x80 >> (x % 8)) == 0;
    for y in 0..side {
        for x in 0..side {
            let (mx, my) = ((x / 3).wrapping_sub(QUIET_ZONE), (y / 3).wrapping_sub(QUIET_ZONE));
            assert_eq!(dark(x, y), symbol.is_dark(mx, my), "pixel {x},{y}");
        }
    }
    // The finder pattern's corner is dark, the quiet zone light.
    assert!(symbol.is_dark(0, 0) && dark(QUIET_ZONE * 3, QUIET_ZONE * 3) && !dark(QUIET_ZONE * 3 - 1, QUIET_ZONE * 3));
}

#[test]
fn svg_draws_every_dark_module_once_and_says_what_it_is() {
    let (_, payload) = &valid_samples()[0];
    let symbol = QrSymbol::epc(payload).expect("encode");
    let svg = symbol.svg("Betaal € 121,00 aan \"Jansen & Zn\"");
    let side = symbol.width() + 2 * QUIET_ZONE;
    assert!(svg.starts_with(&format!("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {side} {side}\"")), "{svg}");
    assert!(svg.contains("<title>Betaal € 121,00 aan &quot;Jansen &amp; Zn&quot;</title>"), "{svg}");
    // Each `M x y hN` run covers N dark modules of row y: together exactly the dark ones.
    let d = svg.split(" d=\"").nth(1).and_then(|s| s.split('"').next()).expect("path");
    let mut covered = vec![false; symbol.width() * symbol.width()];
    for run in d.split('M').filter(|r| !r.is_empty()) {
        let (xy, rest) = run.split_once('h').expect("run");
        let (x, y) = xy.split_once(' ').expect("x y");
        let (x, y): (usize, usize) = (x.parse().expect("x"), y.parse().expect("y"));
        let n: usize = rest.split('v').next().expect("n").parse().expect("n");
        for i in 0..n {
            let (mx, my) = (x + i - QUIET_ZONE, y - QUIET_ZONE);
            assert!(!covered[my * symbol.width() + mx], "module {mx},{my} drawn twice");
            covered[my * symbol.width() + mx] = true;
        }
    }
    for y in 0..symbol.width() {
        for x in 0..symbol.width() {
            assert_eq!(covered[y * symbol.width() + x], symbol.is_dark(x, y), "module {x},{y}");
        }
    }
}

#[test]
fn the_longest_payload_fits_version_13_and_one_byte_more_is_refused() {
    // 331 bytes of text with non-ASCII letters: byte mode, the worst case for the size.
    let mut payload = "BCD\n002\n1\nSCT\n\nJosé Müller\nNL91ABNA0417164300\nEUR12.50\n\n\n".as_bytes().to_vec();
    while payload.len() < 331 {
        payload.push(b'x');
    }
    let symbol = QrSymbol::epc(&payload).expect("331 bytes fit");
    assert!(symbol.version() <= 13, "version {}", symbol.version());
    let (_, content) = scan_png(&symbol.png(4).expect("png"));
    assert_eq!(content, payload);
    payload.push(b'x');
    assert_eq!(QrSymbol::epc(&payload), Err(QrError::TooLong(332)));
}

#[test]
fn a_payload_whose_mixed_segments_needed_version_14_fits_in_byte_mode() {
    // Found by fuzzing: an ISO 8859-1 payload, written again in UTF-8, that the encoder's
    // segment optimiser put in version 14.
    let found = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/epc-qr-latin1-needs-version-14.bin")).expect("input");
    let decoded = formats::epc_qr::decode(&found).expect("a valid Latin-1 payload");
    let payload = formats::epc_qr::encode(&decoded.transfer).expect("fits 331 bytes in UTF-8");
    let symbol = QrSymbol::epc(&payload).expect("drawn");
    assert!(symbol.version() <= MAX_VERSION, "version {}", symbol.version());
    let (_, content) = scan_png(&symbol.png(4).expect("png"));
    assert_eq!(content, payload);
}
