<#
.SYNOPSIS
  Authenticode-sign Parley's Windows executables with signtool (never run by this project).

.DESCRIPTION
  Run from the repository root, twice:
    packaging\windows\sign.ps1              # after packaging\build.py: Parley.exe, parley-cli.exe
    iscc /DAppVersion=X.Y.Z packaging\windows\parley.iss
    packaging\windows\sign.ps1 -Installer   # dist\parley-*-windows-x86_64-setup.exe
  (Or let iscc sign the setup program and its uninstaller itself: see the top of parley.iss.)
  The executables must be signed before iscc packs them. build.py's .zip is made before this
  script runs, so it holds unsigned executables: re-zip dist\parley after signing if you ship it.

  Environment:
    PARLEY_SIGN_THUMBPRINT   SHA-1 thumbprint of the code-signing certificate in the Windows
                             certificate store (certmgr, or: Get-ChildItem Cert:\CurrentUser\My)
    PARLEY_TIMESTAMP_URL     RFC 3161 timestamp server of your certificate authority
                             (default http://timestamp.digicert.com). The timestamp keeps the
                             signature valid after the certificate expires.
  signtool.exe comes with the Windows SDK (Visual Studio Build Tools install one); it must be on
  PATH, e.g. in a "Developer PowerShell for VS".

  Certificates and SmartScreen:
  - Microsoft Defender SmartScreen warns ("Windows protected your PC") about downloaded programs
    without reputation. Unsigned builds always start with none, per file, and every new build is
    a new file. A signature lets reputation also attach to the publisher's certificate.
  - OV (organization validation) and EV (extended validation) certificates both identify the
    publisher. EV used to give immediate SmartScreen reputation; since 2024 it no longer does
    (DigiCert knowledge base, "Why is my EV-signed application showing Microsoft Defender
    SmartScreen warnings?"), so both now build reputation as users run the signed releases.
    Check Microsoft's current documentation before paying the EV premium.
  - Since June 2023 (CA/Browser Forum rules) the private key of either kind must live on a
    hardware token or in a cloud HSM. With a cloud HSM or Microsoft's Artifact Signing service,
    the provider's signtool plug-in (/dlib, /dmdf) replaces the /sha1 selection below.
#>
param(
    # Sign the installer(s) in dist\ instead of the two executables in dist\parley\.
    [switch]$Installer
)

$ErrorActionPreference = "Stop"
$root = Resolve-Path (Join-Path $PSScriptRoot "..\..")
$thumbprint = $env:PARLEY_SIGN_THUMBPRINT
if (-not $thumbprint) { throw "Set PARLEY_SIGN_THUMBPRINT to the certificate's SHA-1 thumbprint." }
$timestamp = if ($env:PARLEY_TIMESTAMP_URL) { $env:PARLEY_TIMESTAMP_URL } else { "http://timestamp.digicert.com" }

if ($Installer) {
    $files = @(Get-ChildItem -Path (Join-Path $root "dist") -Filter "parley-*-windows-x86_64-setup.exe")
} else {
    $files = @("Parley.exe", "parley-cli.exe") | ForEach-Object { Get-Item (Join-Path $root "dist\parley\$_") }
}
if ($files.Count -eq 0) { throw "Nothing to sign: build first (packaging\build.py, then iscc for -Installer)." }

foreach ($file in $files) {
    # /fd: file digest; /tr + /td: RFC 3161 timestamp and its digest; /sha1: which certificate.
    & signtool sign /sha1 $thumbprint /fd SHA256 /tr $timestamp /td SHA256 /d "Parley" $file.FullName
    if ($LASTEXITCODE -ne 0) { throw "signtool sign failed for $($file.FullName)" }
    # /pa: verify with the default Authenticode policy (what Windows checks when it runs the file).
    & signtool verify /pa /v $file.FullName
    if ($LASTEXITCODE -ne 0) { throw "signtool verify failed for $($file.FullName)" }
}
Write-Host "Signed $($files.Count) file(s)."
