; The Windows installer: per user, no UAC prompt, compiled by makensis on Debian (here, in `make test`,
; and in the release workflow) with the amd64-unicode stub. Every value that describes the product
; comes from packaging/windows/build_installer.py, which reads it where it is owned (the workspace
; version in Cargo.toml, the rest in tauri.conf.json): nothing about the product is typed here.
;
; Expected defines: VERSION, VERSION_QUAD (a.b.c.d for the version resource), PRODUCT_NAME, PUBLISHER,
; COPYRIGHT, HOMEPAGE, DESCRIPTION, LICENSE_FILE, ICON, APP_EXE, CLI_EXE, APP_SRC, CLI_SRC, OUTFILE,
; DATA_FOLDER (the app's data folder under %LOCALAPPDATA%, kept on uninstall);
; optional LOADER_SRC (WebView2Loader.dll, which a mingw-built app loads at run time) and SIGN_CMD
; (a command with %1 that signs the uninstaller and the installer as makensis writes them).

Unicode true
ManifestDPIAware true
SetCompressor /SOLID lzma
RequestExecutionLevel user
Target amd64-unicode

!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "FileFunc.nsh"
!include "WinMessages.nsh"

Name "${PRODUCT_NAME}"
Caption "${PRODUCT_NAME} ${VERSION} Setup"
OutFile "${OUTFILE}"
; Tauri's `currentUser` install mode uses the same folder.
InstallDir "$LOCALAPPDATA\${PRODUCT_NAME}"
BrandingText "${PRODUCT_NAME} ${VERSION}"

VIProductVersion "${VERSION_QUAD}"
VIFileVersion "${VERSION_QUAD}"
VIAddVersionKey "ProductName" "${PRODUCT_NAME}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "FileDescription" "${PRODUCT_NAME} Setup"
VIAddVersionKey "CompanyName" "${PUBLISHER}"
VIAddVersionKey "LegalCopyright" "${COPYRIGHT}"

!ifdef SIGN_CMD
  !uninstfinalize '${SIGN_CMD} "%1"' = 0
  !finalize '${SIGN_CMD} "%1"' = 0
!endif

!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${PRODUCT_NAME}"
; Microsoft's "Distribute your app and the WebView2 Runtime": the runtime is installed when `pv` under
; this client id is present and neither empty nor 0.0.0.0, per machine (WOW6432Node on 64-bit Windows)
; or per user; the Evergreen Bootstrapper is at the fwlink below.
!define WEBVIEW2_CLIENT "Microsoft\EdgeUpdate\Clients\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}"
!define WEBVIEW2_BOOTSTRAPPER "https://go.microsoft.com/fwlink/p/?LinkId=2124703"
!define WEBVIEW2_PAGE "https://developer.microsoft.com/microsoft-edge/webview2/"

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!define MUI_WELCOMEPAGE_TEXT "This installs ${PRODUCT_NAME} ${VERSION} for you only: no administrator rights are needed.$\r$\n$\r$\nIf the wizard is open, it is closed first. Your runs and their deadlines are kept.$\r$\n$\r$\nClick Next to continue."
!define MUI_FINISHPAGE_RUN "$INSTDIR\${APP_EXE}"
!define MUI_FINISHPAGE_RUN_TEXT "Start ${PRODUCT_NAME}"
!define MUI_UNCONFIRMPAGE_TEXT_TOP "This removes ${PRODUCT_NAME} from this computer.$\r$\n$\r$\nYour runs stay in $LOCALAPPDATA\${DATA_FOLDER} (deadlines and receipts) and client secrets stay in Windows Credential Manager: see the README to remove them."

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_LICENSE "${LICENSE_FILE}"
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

; Windows keeps a running program's file locked for writing, so a file that opens for writing is not
; running. The app's window (its title is the product name) is asked to close, as the user would
; close it; the wizard keeps its runs on disk, so nothing is lost. The command-line tool has no window:
; the user is asked to close it. Nothing is replaced before both files are free, so an upgrade never
; leaves half-replaced files; a silent install that cannot free them stops with exit code 2.
!macro CLOSE_RUNNING un
Function ${un}IsLocked ; path on the stack -> "1" when the file exists and cannot be opened for writing
  Exch $0
  Push $1
  ${If} ${FileExists} "$0"
    ClearErrors
    FileOpen $1 "$0" a
    ${If} ${Errors}
      StrCpy $0 1
    ${Else}
      FileClose $1
      StrCpy $0 0
    ${EndIf}
  ${Else}
    StrCpy $0 0
  ${EndIf}
  Pop $1
  Exch $0
FunctionEnd

Function ${un}CloseRunning
  Push $0
  Push $1
  Push $2
  StrCpy $2 0 ; tries
  ${Do}
    Push "$INSTDIR\${APP_EXE}"
    Call ${un}IsLocked
    Pop $0
    Push "$INSTDIR\${CLI_EXE}"
    Call ${un}IsLocked
    Pop $1
    ${If} $0 == 0
    ${AndIf} $1 == 0
      ${Break}
    ${EndIf}
    ${If} $0 == 1
      FindWindow $0 "" "${PRODUCT_NAME}"
      ${If} $0 <> 0
        DetailPrint "Closing the open ${PRODUCT_NAME} window"
        SendMessage $0 ${WM_CLOSE} 0 0 /TIMEOUT=5000
      ${EndIf}
    ${EndIf}
    IntOp $2 $2 + 1
    ${If} $2 < 20
      Sleep 500
      ${Continue}
    ${EndIf}
    MessageBox MB_RETRYCANCEL|MB_ICONEXCLAMATION "${PRODUCT_NAME} or its command-line tool (${CLI_EXE}) is still running.$\r$\n$\r$\nClose it, then click Retry. Your runs are saved and are not lost." /SD IDCANCEL IDRETRY retry
    DetailPrint "${PRODUCT_NAME} is still running: nothing was changed."
    SetErrorLevel 2
    Quit
    retry:
    StrCpy $2 0
  ${Loop}
  Pop $2
  Pop $1
  Pop $0
FunctionEnd
!macroend
!insertmacro CLOSE_RUNNING ""
!insertmacro CLOSE_RUNNING "un."

; The runtime's version, or "" when it is not installed.
Function WebView2Version
  Push $0
  ReadRegStr $0 HKLM "SOFTWARE\WOW6432Node\${WEBVIEW2_CLIENT}" "pv"
  ${If} $0 == ""
  ${OrIf} $0 == "0.0.0.0"
    ReadRegStr $0 HKLM "SOFTWARE\${WEBVIEW2_CLIENT}" "pv"
  ${EndIf}
  ${If} $0 == ""
  ${OrIf} $0 == "0.0.0.0"
    ReadRegStr $0 HKCU "Software\${WEBVIEW2_CLIENT}" "pv"
  ${EndIf}
  ${If} $0 == "0.0.0.0"
    StrCpy $0 ""
  ${EndIf}
  Exch $0
FunctionEnd

; Microsoft's Evergreen Bootstrapper, fetched with Windows' own curl.exe (Windows 10 1803 and later)
; with firm time limits, so an offline computer hears what is missing at once instead of waiting.
Function EnsureWebView2
  Call WebView2Version
  Pop $0
  ${If} $0 != ""
    DetailPrint "Microsoft Edge WebView2 Runtime $0 is installed."
    Return
  ${EndIf}
  DetailPrint "Microsoft Edge WebView2 Runtime is missing: downloading Microsoft's installer for it..."
  InitPluginsDir
  nsExec::ExecToLog '"$SYSDIR\curl.exe" --fail --silent --show-error --location --connect-timeout 15 --max-time 180 --output "$PLUGINSDIR\MicrosoftEdgeWebview2Setup.exe" "${WEBVIEW2_BOOTSTRAPPER}"'
  Pop $1
  ${If} $1 == 0
    DetailPrint "Installing Microsoft Edge WebView2 Runtime..."
    ExecWait '"$PLUGINSDIR\MicrosoftEdgeWebview2Setup.exe" /silent /install' $1
    Call WebView2Version
    Pop $0
    ${If} $0 != ""
      DetailPrint "Microsoft Edge WebView2 Runtime $0 is installed."
      Return
    ${EndIf}
  ${EndIf}
  DetailPrint "Microsoft Edge WebView2 Runtime could not be installed. ${PRODUCT_NAME} needs it to show its window."
  MessageBox MB_OK|MB_ICONEXCLAMATION "${PRODUCT_NAME} is installed, but it needs the Microsoft Edge WebView2 Runtime to show its window, and this computer does not have it. It could not be downloaded (is this computer offline?).$\r$\n$\r$\nDownload it from Microsoft: ${WEBVIEW2_PAGE} (Evergreen Bootstrapper), or ask your IT department to deploy it (Microsoft's Evergreen Standalone Installer works with Intune and Group Policy).$\r$\n$\r$\nThe command-line tool (${CLI_EXE}) works without it." /SD IDOK
FunctionEnd

Section "Install"
  SetShellVarContext current
  Call CloseRunning

  SetOutPath "$INSTDIR"
  File "/oname=${APP_EXE}" "${APP_SRC}"
  File "/oname=${CLI_EXE}" "${CLI_SRC}"
  !ifdef LOADER_SRC
    File "/oname=WebView2Loader.dll" "${LOADER_SRC}"
  !endif
  File "/oname=LICENSE.txt" "${LICENSE_FILE}"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  ; The working folder of a shortcut is the output path: the command-line shortcut opens a console in
  ; the install folder, where `pmpc-recovery-cli status` works as typed.
  CreateShortCut "$SMPROGRAMS\${PRODUCT_NAME}.lnk" "$INSTDIR\${APP_EXE}" "" "$INSTDIR\${APP_EXE}" 0 \
    SW_SHOWNORMAL "" "${DESCRIPTION}"
  CreateShortCut "$SMPROGRAMS\${PRODUCT_NAME} (command line).lnk" "$SYSDIR\cmd.exe" \
    '/k "${CLI_EXE}" --help' "$INSTDIR\${APP_EXE}" 0 SW_SHOWNORMAL "" \
    "A console in the ${PRODUCT_NAME} folder, for ${CLI_EXE} (status, receipt, batch)"

  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "${PRODUCT_NAME}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\${APP_EXE},0"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "URLInfoAbout" "${HOMEPAGE}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "EstimatedSize" $0

  Call EnsureWebView2
SectionEnd

Section "Uninstall"
  SetShellVarContext current
  Call un.CloseRunning
  Delete "$INSTDIR\${APP_EXE}"
  Delete "$INSTDIR\${CLI_EXE}"
  Delete "$INSTDIR\WebView2Loader.dll"
  Delete "$INSTDIR\LICENSE.txt"
  Delete "$INSTDIR\uninstall.exe"
  ; Not /r: only what the installer put there goes, whatever else someone kept in the folder.
  RMDir "$INSTDIR"
  Delete "$SMPROGRAMS\${PRODUCT_NAME}.lnk"
  Delete "$SMPROGRAMS\${PRODUCT_NAME} (command line).lnk"
  DeleteRegKey HKCU "${UNINSTALL_KEY}"
  DetailPrint "Kept: your runs in $LOCALAPPDATA\${DATA_FOLDER} and the client secrets in Windows Credential Manager."
SectionEnd
