#!/bin/sh
# Regenerates the hall display's sound clips in static/audio/ (committed; this
# script is not part of the build). Needs espeak-ng (Vietnamese voice "vi")
# and sox with Ogg Vorbis support.
#
#   tools/voice/generate.sh            # from the repository root
#   VOICE=vi-vn-x-south tools/voice/generate.sh
#
# The display composes an announcement word by word, so every clip is one word
# or one fixed phrase with its silence trimmed; display.js adds the pauses.
# Clip names are fixed: display.js maps Vietnamese words to these names.
set -eu

cd "$(dirname "$0")/../.."
out=static/audio
voice=${VOICE:-vi}
speed=${SPEED:-135}   # words per minute: slower than espeak's default carries better in a hall
rate=22050            # mono, 22.05 kHz: enough for speech, keeps the files small
quality=2             # Vorbis quality; 2 is clear speech at a few kB per word

for tool in espeak-ng sox; do
	command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# say NAME TEXT: one clip, leading and trailing silence trimmed, peak-normalised.
say() {
	espeak-ng -v "$voice" -s "$speed" -w "$tmp/$1.wav" "$2"
	sox "$tmp/$1.wav" -r "$rate" -c 1 -C "$quality" "$out/$1.ogg" \
		silence 1 0.01 0.5% reverse silence 1 0.01 0.5% fade t 0.01 reverse \
		fade t 0.005 norm -1
}

say moi-cong-dan "Mời công dân có số thứ tự"
say den-quay-so "đến quầy số"

# Digits, read one by one in ticket numbers and reused for counter numbers.
say 0 "không"
say 1 "một"
say 2 "hai"
say 3 "ba"
say 4 "bốn"
say 5 "năm"
say 6 "sáu"
say 7 "bảy"
say 8 "tám"
say 9 "chín"

# Parts that compose counter numbers: 10 mười, 21 hai mươi mốt, 15 mười lăm,
# 24 hai mươi tư, 105 một trăm linh năm.
say muoi "mười"
say muoi-ngang "mươi"
say mot-sac "mốt"
say lam "lăm"
say tu "tư"
say tram "trăm"
say linh "linh"

# Two-tone chime (G5 then E5, "ding-dong") with a soft octave overtone and a
# bell-like decay, played before every announcement. The second tone starts
# while the first still rings, as on a real two-tone bell.
tone() { # tone FILE FREQ OVERTONE SECONDS DELAY
	sox -r "$rate" -c 2 -n -c 1 "$1" synth "$4" sine "$2" sine "$3" \
		remix 1v0.8,2v0.2 fade l 0.015 "$4" "$4" gain -6 pad "$5" 0
}
tone "$tmp/ding.wav" 784 1568 1.0 0
tone "$tmp/dong.wav" 659.25 1318.5 1.5 0.55
sox -m "$tmp/ding.wav" "$tmp/dong.wav" -C "$quality" "$out/chime.ogg" \
	reverb 15 50 50 norm -3

du -ch "$out"/*.ogg | tail -n 1
