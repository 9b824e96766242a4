#!/usr/bin/env python3
"""Builds the Windows installers, installer.nsi with makensis and installer.wxs (a silent MSI for
Intune and Group Policy) with wixl: here (`make windows-installer`, `make test`) and in the release
workflow, the same way.

  build_installer.py --exe-dir DIR --out DIR [--newer]

DIR holds pmpc-recovery-wizard.exe, pmpc-recovery-cli.exe and, for a mingw build, WebView2Loader.dll.
Every value the script passes to makensis is read where it is owned: the version from the workspace's
Cargo.toml, the product name, publisher, copyright, homepage, description, license file and icon from
tauri.conf.json, the data folder's name from the core (crates/recovery/src/paths.rs). --newer
gives the installer the next patch version (newer_version()), for the upgrade test: a newer
installer from the same programs.

With WINDOWS_CERTIFICATE (a .pfx in base64) and WINDOWS_CERTIFICATE_PASSWORD set, the programs, the
uninstaller and the installer are signed (sign.py); without them everything is built unsigned.
They land in --out as "<productName>_<version>_x64-setup.exe" and "…_x64_en-US.msi" (Tauri's naming).
"""

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
APP_EXE = "pmpc-recovery-wizard.exe"
CLI_EXE = "pmpc-recovery-cli.exe"
LOADER = "WebView2Loader.dll"


def product():
    """What the installer says about the product, from the files that own each value."""
    version = tomllib.loads((ROOT / "Cargo.toml").read_text())["workspace"]["package"]["version"]
    conf = json.loads((ROOT / "tauri.conf.json").read_text())
    bundle = conf["bundle"]
    # Paths in tauri.conf.json are relative to src-tauri/, the app crate that Tauri reads it from.
    conf_root = ROOT / "src-tauri"
    icon = next(i for i in bundle["icon"] if i.endswith(".ico"))
    paths_rs = (ROOT / "crates/recovery/src/paths.rs").read_text()
    data_folder = re.search(r'pub const DATA_FOLDER_NAME: &str = "([^"]+)";', paths_rs).group(1)
    return {
        "VERSION": version,
        "PRODUCT_NAME": conf["productName"],
        "PUBLISHER": bundle["publisher"],
        "COPYRIGHT": bundle["copyright"],
        "HOMEPAGE": bundle["homepage"],
        "DESCRIPTION": bundle["shortDescription"],
        "LICENSE_FILE": str((conf_root / bundle["licenseFile"]).resolve()),
        "ICON": str((conf_root / icon).resolve()),
        "DATA_FOLDER": data_folder,
        "UPGRADE_CODE": bundle["windows"]["wix"]["upgradeCode"],
    }


def version_quad(version):
    """1.2.3-beta.1 -> 1.2.3.0: a Windows version resource holds four numbers."""
    numbers = re.match(r"(\d+)\.(\d+)\.(\d+)", version)
    if not numbers:
        sys.exit(f"build-installer: version {version!r} is not semver")
    return ".".join([*numbers.groups(), "0"])


def newer_version(version):
    """1.2.3 -> 1.2.4: what the upgrade test installs over the current version."""
    major, minor, patch = version_quad(version).split(".")[:3]
    return f"{major}.{minor}.{int(patch) + 1}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--exe-dir", required=True, type=Path)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--newer", action="store_true")
    args = ap.parse_args()

    defines = product()
    if args.newer:
        defines["VERSION"] = newer_version(defines["VERSION"])
    defines["VERSION_QUAD"] = version_quad(defines["VERSION"])

    # The programs are copied before they are signed, so a build directory never holds signed copies
    # that a later incremental build would silently replace.
    stage = args.out / "stage"
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    for name in (APP_EXE, CLI_EXE, LOADER):
        src = args.exe_dir / name
        if src.exists():
            shutil.copy2(src, stage / name)
        elif name != LOADER:
            sys.exit(f"build-installer: {src} is missing (build the Windows programs first)")

    # Symbols are of no use on an admin's PC and make the installer slow to build and download (a
    # release build is stripped already; a debug build, as `make test` packs, halves).
    strip = shutil.which("x86_64-w64-mingw32-strip")
    if strip:
        subprocess.run([strip, str(stage / APP_EXE), str(stage / CLI_EXE)], check=True)

    signing = bool(os.environ.get("WINDOWS_CERTIFICATE"))
    sign = [sys.executable, str(HERE / "sign.py")]
    if signing:
        subprocess.run([*sign, str(stage / APP_EXE), str(stage / CLI_EXE)], check=True)
        defines["SIGN_CMD"] = shlex.join(sign)

    defines.update({
        "APP_EXE": APP_EXE,
        "CLI_EXE": CLI_EXE,
        "APP_SRC": str((stage / APP_EXE).resolve()),
        "CLI_SRC": str((stage / CLI_EXE).resolve()),
    })
    if (stage / LOADER).exists():
        defines["LOADER_SRC"] = str((stage / LOADER).resolve())

    base = args.out / f"{defines['PRODUCT_NAME']}_{defines['VERSION']}_x64"
    nsis = base.with_name(base.name + "-setup.exe")
    build(["makensis", "-V2", "-INPUTCHARSET", "UTF8", "-NOCD",
           *(f"-D{k}={v}" for k, v in {**defines, "OUTFILE": str(nsis.resolve())}.items()),
           str(HERE / "installer.nsi")], nsis, signing)
    # wixl's variables are the same values under WiX's names; the MSI is signed after wixl writes it.
    msi = base.with_name(base.name + "_en-US.msi")
    if "LOADER_SRC" not in defines:
        sys.exit(f"build-installer: no {LOADER} beside the programs: the MSI is made for mingw builds, which load it")
    # wixl finds sources only by relative paths: it runs from / and is given them relative to it.
    rel = lambda p: os.path.relpath(p, "/")  # noqa: E731
    wix = {
        "ProductName": defines["PRODUCT_NAME"], "VersionQuad": defines["VERSION_QUAD"],
        "Publisher": defines["PUBLISHER"], "UpgradeCode": defines["UPGRADE_CODE"],
        "Description": defines["DESCRIPTION"], "Homepage": defines["HOMEPAGE"], "Icon": rel(defines["ICON"]),
        "LicenseFile": rel(defines["LICENSE_FILE"]), "AppExe": APP_EXE, "CliExe": CLI_EXE,
        "AppSrc": rel(defines["APP_SRC"]), "CliSrc": rel(defines["CLI_SRC"]), "LoaderSrc": rel(defines["LOADER_SRC"]),
    }
    build(["wixl", "-a", "x64", *(a for k, v in wix.items() for a in ("-D", f"{k}={v}")),
           "-o", str(msi.resolve()), str(HERE / "installer.wxs")], msi, signing, cwd="/")
    if signing:
        subprocess.run([*sign, str(msi)], check=True)


def build(cmd, outfile, signing, cwd=None):
    outfile.unlink(missing_ok=True)
    subprocess.run(cmd, check=True, cwd=cwd)
    if not outfile.exists():
        sys.exit(f"build-installer: {cmd[0]} wrote no {outfile}")
    size = outfile.stat().st_size / 1e6
    print(f"{outfile}: {size:.1f} MB, {'signed' if signing else 'unsigned'}")


if __name__ == "__main__":
    main()
