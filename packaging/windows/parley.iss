; Inno Setup 6 script for the Windows installer of Parley (needs Inno Setup 6.3 or later, for
; the x64compatible architecture identifier). Written from the Inno Setup documentation; this
; project has never compiled or run it. See packaging/README.md.
;
; Build the folder first (python packaging\build.py makes dist\parley\), sign its executables
; (packaging\windows\sign.ps1), then from the repository root:
;
;     iscc /DAppVersion=0.1.0 packaging\windows\parley.iss
;
; which writes dist\parley-0.1.0-windows-x86_64-setup.exe. To have Inno Setup sign the setup
; program and its uninstaller as it builds them, define Sign and a sign tool named "parley":
;
;     iscc /DAppVersion=0.1.0 /DSign "/Sparley=signtool sign /sha1 THUMBPRINT /fd SHA256 /tr http://timestamp.digicert.com /td SHA256 $f" packaging\windows\parley.iss
;
; Relative paths below are relative to this file's folder (Inno Setup's default SourceDir).
;
; User data is not in the installation folder. Parley keeps it where platformdirs says
; (app/paths.py, non-roaming): conversations and settings in %LOCALAPPDATA%\Parley, the cache
; in %LOCALAPPDATA%\Parley\Cache and logs in %LOCALAPPDATA%\Parley\Logs; it writes nothing of its
; own to the roaming %APPDATA%. The uninstaller removes only what this script installed and never
; touches those folders, so uninstalling keeps the user's conversations and a reinstall finds
; them again.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif

[Setup]
; Identifies Parley to Windows across versions: never change it, or upgrades install side by side.
AppId={{29B64179-62EE-4F23-BAD4-647D69C1A3E4}
AppName=Parley
AppVersion={#AppVersion}
AppVerName=Parley {#AppVersion}
AppPublisher=The Parley developers
AppCopyright=Apache-2.0
; Numeric only (X.Y.Z): the setup program's own version resource.
VersionInfoVersion={#AppVersion}
; Per-user by default (no administrator rights needed; installs to %LOCALAPPDATA%\Programs\Parley),
; and the first page offers "install for all users" (then C:\Program Files\Parley, with UAC).
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
DefaultDirName={autopf}\Parley
DisableProgramGroupPage=yes
; The app is x64 only (64-bit Python, Qt and llama.cpp). x64compatible also admits Windows 11 on
; Arm64, which runs x64 programs under emulation.
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; Qt 6 supports Windows 10 and 11 only.
MinVersion=10.0
LicenseFile=..\..\resources\licenses\Apache-2.0.txt
SetupIconFile=parley.ico
UninstallDisplayIcon={app}\Parley.exe
UninstallDisplayName=Parley
OutputDir=..\..\dist
OutputBaseFilename=parley-{#AppVersion}-windows-x86_64-setup
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
#ifdef Sign
SignTool=parley
#endif

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; An upgrade replaces the whole bundle: files that a newer build no longer has (an old DLL, say)
; must not stay behind and be loaded.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
; The PyInstaller folder as built: Parley.exe (window), parley-cli.exe (command line) and _internal\.
Source: "..\..\dist\parley\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
; {autoprograms} and {autodesktop} are the current user's or all users' folders, by install mode.
; parley-cli.exe gets no shortcut and is not added to PATH; run it by its full path.
Name: "{autoprograms}\Parley"; Filename: "{app}\Parley.exe"
Name: "{autodesktop}\Parley"; Filename: "{app}\Parley.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\Parley.exe"; Description: "{cm:LaunchProgram,Parley}"; Flags: nowait postinstall skipifsilent

; No [UninstallDelete] section on purpose: the user's data (see the top of this file) stays.
