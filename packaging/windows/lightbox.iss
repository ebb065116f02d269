; Inno Setup 6 script for Lightbox on Windows (x64). Build the folder first
; (python packaging\build.py), then, from the repository root:
;   ISCC.exe /DAppVersion=<viewer.__version__> packaging\windows\lightbox.iss
; docs/install.md has the steps and the silent-install switches for IT:
;   setup.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART [/DIR="D:\Apps\Lightbox"] [/TASKS="associate"] [/LOG="file"]
;   unins000.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART
; tests/packaging checks that the version, names and paths here agree with the package
; and the PyInstaller spec.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "Lightbox"
#define AppPublisher "Lightbox"
#define AppExe "Lightbox.exe"
#define CliExe "lightbox-cli.exe"
; The folder PyInstaller writes (dist\lightbox), relative to this script.
#define BuildDir "..\..\dist\lightbox"

[Setup]
; The same AppId for every version, so a newer installer upgrades in place.
AppId={{8C1F3B52-7A0E-4D3B-9E55-2B1D6C4A9F10}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#AppPublisher}
AppComments=Offline DICOM viewer that runs verified AI models locally. No network connection.
VersionInfoVersion={#AppVersion}
VersionInfoProductName={#AppName}
VersionInfoProductVersion={#AppVersion}
VersionInfoDescription={#AppName} installer
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\..\dist
OutputBaseFilename=lightbox-{#AppVersion}-windows-x64-setup
SetupIconFile=..\..\assets\icons\lightbox.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName} {#AppVersion}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ChangesAssociations=yes
CloseApplications=yes

[Tasks]
Name: "associate"; Description: "Open DICOM files (.dcm) with {#AppName}"

[Files]
Source: "{#BuildDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
; The documented example of the site configuration, beside where IT puts the real one
; (%PROGRAMDATA%\Lightbox\lightbox.toml). The real file is never installed or removed.
Source: "..\lightbox.toml.example"; DestDir: "{commonappdata}\{#AppName}"; Flags: ignoreversion
Source: "..\..\docs\install.md"; DestDir: "{app}"; Flags: ignoreversion

[Dirs]
Name: "{commonappdata}\{#AppName}"; Flags: uninsneveruninstall

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"

[Registry]
Root: HKA; Subkey: "Software\Classes\.dcm\OpenWithProgids"; ValueType: string; ValueName: "Lightbox.DICOM"; ValueData: ""; Flags: uninsdeletevalue; Tasks: associate
Root: HKA; Subkey: "Software\Classes\Lightbox.DICOM"; ValueType: string; ValueName: ""; ValueData: "DICOM image"; Flags: uninsdeletekey; Tasks: associate
Root: HKA; Subkey: "Software\Classes\Lightbox.DICOM\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\{#AppExe},0"; Tasks: associate
Root: HKA; Subkey: "Software\Classes\Lightbox.DICOM\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExe}"" ""%1"""; Tasks: associate

[Run]
Filename: "{app}\{#AppExe}"; Description: "Start {#AppName}"; Flags: nowait postinstall skipifsilent
