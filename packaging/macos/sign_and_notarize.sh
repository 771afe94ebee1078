#!/usr/bin/env bash
# Sign dist/Parley.app with a Developer ID, have Apple notarize it, staple the ticket, and pack it.
# Run on a Mac after `python packaging/build.py`. See usage() and packaging/README.md.
# Written from Apple's codesign/notarytool/stapler documentation; it has never been run by this project.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: packaging/macos/sign_and_notarize.sh [--dmg] [--no-notarize]

Signs dist/Parley.app inside-out (every Mach-O file, then each .framework, then the app) with the
hardened runtime and a secure timestamp, verifies the signature, submits the app to Apple's notary
service, staples the ticket to the app and writes

    dist/parley-VERSION-macos-ARCH.zip     the notarized, stapled app (ditto, keeps links and metadata)
    dist/parley-VERSION-macos-ARCH.dmg     with --dmg: a signed, notarized, stapled disk image as well

Options:
    --dmg           also make a disk image (a second notarization round, for the image itself)
    --no-notarize   sign and verify only (no Apple ID needed; Gatekeeper will still refuse the app)
    -h, --help      this text

Environment:
    PARLEY_SIGN_IDENTITY    the signing identity in your keychain, e.g.
                            "Developer ID Application: Jane Doe (TEAMID1234)"
                            (list them: security find-identity -v -p codesigning)
    PARLEY_NOTARY_PROFILE   a notarytool keychain profile, made once with
                            xcrun notarytool store-credentials PROFILE \
                                --apple-id you@example.com --team-id TEAMID1234 \
                                --password <app-specific password>
                            (not needed with --no-notarize)

Needs the Xcode command line tools (codesign, xcrun notarytool, xcrun stapler, ditto, hdiutil).
EOF
}

make_dmg=0
notarize=1
while (($#)); do
    case "$1" in
        --dmg) make_dmg=1 ;;
        --no-notarize) notarize=0 ;;
        -h | --help) usage; exit 0 ;;
        *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
APP="$ROOT/dist/Parley.app"
ENTITLEMENTS="$ROOT/packaging/macos/entitlements.plist"

[[ "$(uname -s)" == Darwin ]] || { echo "this script runs on macOS only" >&2; exit 1; }
[[ -d "$APP" ]] || { echo "no $APP: build it first with python packaging/build.py" >&2; exit 1; }
: "${PARLEY_SIGN_IDENTITY:?set PARLEY_SIGN_IDENTITY to your Developer ID Application identity}"
if ((notarize)); then
    : "${PARLEY_NOTARY_PROFILE:?set PARLEY_NOTARY_PROFILE to a notarytool keychain profile}"
fi

VERSION="$(/usr/libexec/PlistBuddy -c 'Print :CFBundleShortVersionString' "$APP/Contents/Info.plist")"
ARCH="$(uname -m)"  # arm64 or x86_64, as in build.py's archive names
STEM="$ROOT/dist/parley-$VERSION-macos-$ARCH"

sign() {  # sign FILE-OR-BUNDLE [extra codesign options...]
    local target="$1"
    shift
    codesign --force --options runtime --timestamp --sign "$PARLEY_SIGN_IDENTITY" "$@" "$target"
}

# Submit FILE (zip or dmg) and wait; fail unless Apple accepted it, printing the notary log.
notarize_file() {
    local file="$1" output id
    echo "Submitting $(basename "$file") for notarization (usually a few minutes)..."
    output="$(xcrun notarytool submit "$file" --keychain-profile "$PARLEY_NOTARY_PROFILE" --wait 2>&1)" || true
    echo "$output"
    if ! grep -q "status: Accepted" <<<"$output"; then
        id="$(awk '/^ *id:/ {print $2; exit}' <<<"$output")"
        if [[ -n "$id" ]]; then
            xcrun notarytool log "$id" --keychain-profile "$PARLEY_NOTARY_PROFILE" || true
        fi
        echo "notarization of $file failed" >&2
        exit 1
    fi
}

echo "Signing $APP as $PARLEY_SIGN_IDENTITY"
# Finder metadata and other extended attributes make codesign fail ("detritus not allowed").
xattr -cr "$APP"

# 1. Every Mach-O file (dylibs, Python extension modules, Qt plug-ins, framework binaries), links
#    skipped (they are signed through their target). Executables in Contents/MacOS get the
#    entitlements; libraries inherit those of the process that loads them.
macho_count=0
while IFS= read -r -d '' file; do
    if file -b "$file" | grep -q 'Mach-O'; then
        case "$file" in
            "$APP/Contents/MacOS/"*) sign "$file" --entitlements "$ENTITLEMENTS" ;;
            *) sign "$file" ;;
        esac
        macho_count=$((macho_count + 1))
    fi
done < <(find "$APP/Contents" -type f -print0)
echo "Signed $macho_count Mach-O files"

# 2. Nested bundles (Qt's .framework folders), deepest first, so each seals its signed contents.
while IFS= read -r bundle; do
    sign "$bundle"
done < <(find "$APP/Contents" -type d \( -name '*.framework' -o -name '*.app' -o -name '*.bundle' \) \
    | awk '{print length($0) "\t" $0}' | sort -rn | cut -f2-)

# 3. The app itself, last: this re-signs the main executable with the entitlements and seals
#    Contents/Resources.
sign "$APP" --entitlements "$ENTITLEMENTS"

echo "Verifying the signature"
codesign --verify --deep --strict --verbose=2 "$APP"
codesign --display --entitlements - "$APP"

if ((notarize)); then
    # notarytool takes a zip, dmg or pkg; the zip is only the submission, re-made after stapling.
    submission="$(mktemp -d)/Parley.zip"
    ditto -c -k --keepParent "$APP" "$submission"
    notarize_file "$submission"
    rm -f "$submission"
    xcrun stapler staple "$APP"
    xcrun stapler validate "$APP"
    # Gatekeeper's own verdict: expect "accepted" and "source=Notarized Developer ID".
    spctl --assess --type execute --verbose=4 "$APP"
else
    echo "Not notarized (--no-notarize): Gatekeeper will block this app on other Macs."
    spctl --assess --type execute --verbose=4 "$APP" || true
fi

rm -f "$STEM.zip"
ditto -c -k --keepParent "$APP" "$STEM.zip"
echo "Wrote $STEM.zip"

if ((make_dmg)); then
    staging="$(mktemp -d)"
    ditto "$APP" "$staging/Parley.app"
    ln -s /Applications "$staging/Applications"  # drag-to-install target
    rm -f "$STEM.dmg"
    hdiutil create -volname "Parley $VERSION" -srcfolder "$staging" -fs HFS+ -format UDZO -ov "$STEM.dmg"
    rm -rf "$staging"
    # A disk image takes a plain signature (no hardened runtime: it is not code).
    codesign --force --timestamp --sign "$PARLEY_SIGN_IDENTITY" "$STEM.dmg"
    if ((notarize)); then
        notarize_file "$STEM.dmg"
        xcrun stapler staple "$STEM.dmg"
        xcrun stapler validate "$STEM.dmg"
        spctl --assess --type open --context context:primary-signature --verbose=4 "$STEM.dmg"
    fi
    echo "Wrote $STEM.dmg"
fi
