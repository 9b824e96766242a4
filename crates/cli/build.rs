// On Windows, pmpc-recovery-cli.exe carries a version resource and the app's icon, as Explorer shows
// them (Properties > Details), like the app's own exe (which tauri-build gives them). The values come
// from where they are owned: the workspace version (Cargo sets CARGO_PKG_VERSION), the product name,
// publisher, copyright and icon from tauri.conf.json.
fn main() {
    println!("cargo:rerun-if-changed=../../tauri.conf.json");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("windows") {
        return;
    }
    let conf: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("../../tauri.conf.json").expect("tauri.conf.json is readable"),
    )
    .expect("tauri.conf.json is JSON");
    let text = |v: &serde_json::Value| v.as_str().expect("a string in tauri.conf.json").to_owned();
    let bundle = &conf["bundle"];
    let icon = bundle["icon"]
        .as_array()
        .and_then(|icons| {
            icons
                .iter()
                .filter_map(|i| i.as_str())
                .find(|i| i.ends_with(".ico"))
        })
        .expect("an .ico in tauri.conf.json's bundle.icon");
    // Icon paths in tauri.conf.json are relative to src-tauri/.
    let icon = std::path::Path::new("../../src-tauri").join(icon);
    println!("cargo:rerun-if-changed={}", icon.display());

    let product = text(&conf["productName"]);
    let mut res = tauri_winres::WindowsResource::new();
    res.set("ProductName", &product)
        .set("FileDescription", &format!("{product} command-line tool"))
        .set("CompanyName", &text(&bundle["publisher"]))
        .set("LegalCopyright", &text(&bundle["copyright"]))
        .set("OriginalFilename", "pmpc-recovery-cli.exe")
        .set_icon(&icon.display().to_string());
    res.compile().expect("the Windows resource compiles");
}
