//! "Scan with camera": the rear camera in a small view, QR codes read from it
//! continuously, each reel number handed to the page's own scan path (the same
//! line, beep and refusals as a hand-held scanner's).
//!
//! The button shows only where the camera can work: in a secure context (HTTPS,
//! or the machine itself) on a device with a camera; the server never renders
//! it. The browser's `BarcodeDetector` reads the codes where it exists (Chrome
//! on Android); elsewhere (iOS Safari, Firefox, desktop Chrome on Linux) `rqrr`
//! does, compiled into a wasm chunk of its own that is fetched when the camera
//! first opens, so the pages' own wasm does not carry it.

use leptos::prelude::*;

use crate::i18n::td_string;
use crate::language::use_i18n;

/// How long the same code is ignored after it was read: the camera sees a code
/// for many frames in a row.
#[cfg(feature = "hydrate")]
const SAME_CODE_MS: f64 = 2500.0;

/// The reel number a QR code holds: its text, trimmed; or, when the text is a
/// path or an address (the warehouse app names each reel's QR image after its
/// reel number), its last segment without an image extension. `None` for a
/// code with no text.
pub fn reel_of_code(text: &str) -> Option<String> {
    let text = text.trim();
    let last = if text.contains('/') {
        let path = text.split(['?', '#']).next().unwrap_or(text);
        let name = path.rsplit('/').next().unwrap_or(path);
        strip_image_extension(name)
    } else {
        text
    };
    let last = last.trim();
    (!last.is_empty()).then(|| last.to_owned())
}

fn strip_image_extension(name: &str) -> &str {
    const IMAGES: [&str; 5] = ["png", "jpg", "jpeg", "svg", "gif"];
    match name.rsplit_once('.') {
        Some((stem, ext)) if IMAGES.iter().any(|i| ext.eq_ignore_ascii_case(i)) => stem,
        _ => name,
    }
}

/// Why the camera view shows no picture. (Only the browser finds out.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum Problem {
    /// The person or the browser said no.
    Denied,
    /// Anything else: in use elsewhere, gone, unreadable.
    Failed,
}

/// The button, and while open the camera's view. `on_code` gets each reel
/// number read, the same one at most once in 2.5 s.
#[component]
pub fn CameraScan(on_code: Callback<String>) -> impl IntoView {
    let i18n = use_i18n();
    let available = RwSignal::new(false);
    let open = RwSignal::new(false);
    let problem = RwSignal::new(None::<Problem>);
    let video = NodeRef::<leptos::html::Video>::new();

    #[cfg(feature = "hydrate")]
    {
        leptos::task::spawn_local(async move { available.set(live::camera_available().await) });
        let session = StoredValue::new_local(None::<live::Session>);
        Effect::new(move || {
            let Some(element) = video.get() else {
                return;
            };
            problem.set(None);
            leptos::task::spawn_local(async move {
                match live::Session::start(&element, on_code).await {
                    // Closed while the camera was opening: it stops (dropped) at once.
                    Ok(started) if open.get_untracked() => session.set_value(Some(started)),
                    Ok(_closed) => {}
                    Err(denied) => problem.set(Some(denied)),
                }
            });
        });
        Effect::new(move || {
            if !open.get() {
                session.update_value(|session| drop(session.take()));
            }
        });
        on_cleanup(move || session.update_value(|session| drop(session.take())));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (on_code, video);

    let said = move || {
        let locale = i18n.get_locale();
        Some(match problem.get() {
            None => td_string!(locale, camera.pointing),
            Some(Problem::Denied) => td_string!(locale, camera.denied),
            Some(Problem::Failed) => td_string!(locale, camera.failed),
        })
    };
    view! {
        <Show when=move || available.get() && !open.get()>
            <button
                type="button"
                class="button camera-toggle"
                data-testid="camera-scan"
                on:click=move |_| open.set(true)
            >
                {tr!(i18n, camera.scan)}
            </button>
        </Show>
        <Show when=move || open.get()>
            <div class="camera" data-testid="camera">
                <video node_ref=video autoplay=true playsinline=true muted=true></video>
                <p role="status" class="camera-said" data-testid="camera-said">{said}</p>
                <button type="button" class="button" on:click=move |_| open.set(false)>
                    {tr!(i18n, camera.close)}
                </button>
            </div>
        </Show>
    }
}

/// The camera, in the browser.
#[cfg(feature = "hydrate")]
mod live {
    use leptos::prelude::*;
    use wasm_bindgen::{JsCast, JsValue, prelude::*};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{HtmlCanvasElement, HtmlVideoElement, MediaStream, MediaStreamConstraints};

    use super::{Problem, SAME_CODE_MS, reel_of_code};

    /// How often a frame is looked at.
    const EVERY_MS: u64 = 250;
    /// Frames are read at most this wide: plenty for a QR code held in view.
    const MAX_WIDTH: u32 = 640;

    #[wasm_bindgen]
    extern "C" {
        /// The Barcode Detection API (not in web-sys).
        type BarcodeDetector;
        #[wasm_bindgen(constructor, catch)]
        fn new(options: &JsValue) -> Result<BarcodeDetector, JsValue>;
        #[wasm_bindgen(method)]
        fn detect(this: &BarcodeDetector, source: &JsValue) -> js_sys::Promise;
    }

    /// Whether this page may use a camera and the device has one.
    pub async fn camera_available() -> bool {
        let window = window();
        if !window.is_secure_context() {
            return false;
        }
        let Ok(devices) = window.navigator().media_devices() else {
            return false;
        };
        let Ok(listed) = devices.enumerate_devices() else {
            return false;
        };
        let Ok(listed) = JsFuture::from(listed).await else {
            return false;
        };
        js_sys::Array::from(&listed).iter().any(|device| {
            device
                .dyn_into::<web_sys::MediaDeviceInfo>()
                .is_ok_and(|device| device.kind() == web_sys::MediaDeviceKind::Videoinput)
        })
    }

    /// An open camera and the reading of its frames; dropping it stops both.
    pub struct Session {
        stream: MediaStream,
        reading: IntervalHandle,
    }

    impl Drop for Session {
        fn drop(&mut self) {
            self.reading.clear();
            for track in self.stream.get_tracks().iter() {
                if let Ok(track) = track.dyn_into::<web_sys::MediaStreamTrack>() {
                    track.stop();
                }
            }
        }
    }

    impl Session {
        /// Opens the rear camera into `video` and reads a frame every
        /// [`EVERY_MS`].
        pub async fn start(
            video: &HtmlVideoElement,
            on_code: Callback<String>,
        ) -> Result<Self, Problem> {
            let stream = open_rear_camera().await?;
            video.set_src_object(Some(&stream));
            let _ = video.play();
            let reader = Reader::new(video.clone()).ok_or(Problem::Failed)?;
            let reading = set_interval_with_handle(
                move || reader.look(on_code),
                std::time::Duration::from_millis(EVERY_MS),
            )
            .map_err(|_| Problem::Failed)?;
            Ok(Self { stream, reading })
        }
    }

    async fn open_rear_camera() -> Result<MediaStream, Problem> {
        let devices = window()
            .navigator()
            .media_devices()
            .map_err(|_| Problem::Failed)?;
        let video = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&video, &"facingMode".into(), &"environment".into());
        let constraints = MediaStreamConstraints::new();
        constraints.set_video(&video);
        constraints.set_audio(&JsValue::FALSE);
        let asked = devices
            .get_user_media_with_constraints(&constraints)
            .map_err(|_| Problem::Failed)?;
        match JsFuture::from(asked).await {
            Ok(stream) => stream.dyn_into().map_err(|_| Problem::Failed),
            Err(error) => {
                let name = js_sys::Reflect::get(&error, &"name".into())
                    .ok()
                    .and_then(|name| name.as_string());
                Err(match name.as_deref() {
                    Some("NotAllowedError" | "SecurityError") => Problem::Denied,
                    _ => Problem::Failed,
                })
            }
        }
    }

    /// Reads frames of a video: copies one onto a canvas, and decodes it unless
    /// the last is still being decoded.
    #[derive(Clone)]
    struct Reader {
        video: HtmlVideoElement,
        canvas: HtmlCanvasElement,
        detector: Option<std::rc::Rc<BarcodeDetector>>,
        busy: std::rc::Rc<std::cell::Cell<bool>>,
        last: std::rc::Rc<std::cell::RefCell<(String, f64)>>,
    }

    impl Reader {
        fn new(video: HtmlVideoElement) -> Option<Self> {
            let canvas = document()
                .create_element("canvas")
                .ok()?
                .dyn_into::<HtmlCanvasElement>()
                .ok()?;
            Some(Self {
                video,
                canvas,
                detector: barcode_detector().map(std::rc::Rc::new),
                busy: Default::default(),
                last: std::rc::Rc::new(std::cell::RefCell::new((String::new(), f64::NEG_INFINITY))),
            })
        }

        fn look(&self, on_code: Callback<String>) {
            if self.busy.get() || self.video.video_width() == 0 {
                return;
            }
            self.busy.set(true);
            let reader = self.clone();
            leptos::task::spawn_local(async move {
                let text = reader.decode().await;
                reader.busy.set(false);
                if let Some(code) = text.as_deref().and_then(reel_of_code) {
                    reader.hand_on(code, on_code);
                }
            });
        }

        fn hand_on(&self, code: String, on_code: Callback<String>) {
            let now = js_sys::Date::now();
            let mut last = self.last.borrow_mut();
            if last.0 == code && now - last.1 < SAME_CODE_MS {
                return;
            }
            *last = (code.clone(), now);
            drop(last);
            on_code.run(code);
        }

        async fn decode(&self) -> Option<String> {
            let (width, height) = self.frame()?;
            match &self.detector {
                Some(detector) => detect(detector, &self.canvas).await,
                None => {
                    let luma = self.luma(width, height)?;
                    super::decode_qr(width, height, luma).await
                }
            }
        }

        /// Draws the current frame, scaled to at most [`MAX_WIDTH`].
        fn frame(&self) -> Option<(u32, u32)> {
            let (w, h) = (self.video.video_width(), self.video.video_height());
            let scale = (MAX_WIDTH as f64 / w as f64).min(1.0);
            let (width, height) = ((w as f64 * scale) as u32, (h as f64 * scale) as u32);
            self.canvas.set_width(width);
            self.canvas.set_height(height);
            let context = self.context()?;
            context
                .draw_image_with_html_video_element_and_dw_and_dh(
                    &self.video,
                    0.0,
                    0.0,
                    width as f64,
                    height as f64,
                )
                .ok()?;
            Some((width, height))
        }

        fn context(&self) -> Option<web_sys::CanvasRenderingContext2d> {
            self.canvas.get_context("2d").ok()??.dyn_into().ok()
        }

        /// The frame's brightness, a byte a pixel.
        fn luma(&self, width: u32, height: u32) -> Option<Vec<u8>> {
            let pixels = self
                .context()?
                .get_image_data(0.0, 0.0, width as f64, height as f64)
                .ok()?
                .data();
            Some(
                pixels
                    .chunks_exact(4)
                    .map(|p| ((77 * p[0] as u32 + 150 * p[1] as u32 + 29 * p[2] as u32) >> 8) as u8)
                    .collect(),
            )
        }
    }

    fn barcode_detector() -> Option<BarcodeDetector> {
        let has = js_sys::Reflect::has(&window(), &"BarcodeDetector".into()).unwrap_or(false);
        if !has {
            return None;
        }
        let options = js_sys::Object::new();
        let formats = js_sys::Array::of1(&"qr_code".into());
        let _ = js_sys::Reflect::set(&options, &"formats".into(), &formats);
        BarcodeDetector::new(&options).ok()
    }

    async fn detect(detector: &BarcodeDetector, canvas: &HtmlCanvasElement) -> Option<String> {
        let found = JsFuture::from(detector.detect(canvas)).await.ok()?;
        let first = js_sys::Array::from(&found).get(0);
        js_sys::Reflect::get(&first, &"rawValue".into())
            .ok()?
            .as_string()
    }
}

/// The first QR code in a greyscale frame, by `rqrr`: in a wasm chunk of its
/// own, fetched the first time a browser without `BarcodeDetector` needs it.
#[cfg(feature = "hydrate")]
#[leptos::lazy]
fn decode_qr(width: u32, height: u32, luma: Vec<u8>) -> Option<String> {
    let (width, height) = (width as usize, height as usize);
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| luma[y * width + x]);
    image
        .detect_grids()
        .into_iter()
        .find_map(|grid| grid.decode().ok().map(|(_, text)| text))
}

#[cfg(test)]
mod tests {
    use super::reel_of_code;

    #[test]
    fn a_code_is_its_text_or_the_name_of_the_image_it_points_to() {
        assert_eq!(
            reel_of_code(" R23-000017 \n").as_deref(),
            Some("R23-000017")
        );
        assert_eq!(reel_of_code("۱۴۰۲-۰۰۷").as_deref(), Some("۱۴۰۲-۰۰۷"));
        assert_eq!(
            reel_of_code("/media/qr_codes/R23-000017.png").as_deref(),
            Some("R23-000017")
        );
        assert_eq!(
            reel_of_code("http://pi.local/media/qr/R23-000017.PNG?v=2").as_deref(),
            Some("R23-000017")
        );
        assert_eq!(reel_of_code("qr/R23.000017").as_deref(), Some("R23.000017"));
        assert_eq!(reel_of_code("   "), None);
        assert_eq!(reel_of_code("/media/qr/"), None);
    }
}
