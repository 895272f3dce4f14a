"""Make the NHS.UK frontend's CSS self-hosted (run by ``make assets``; standard library only).

The NHS.UK build loads its Frutiger fonts from assets.nhs.uk. A self-hosted hub must not
depend on another host (when it was unreachable a page's load event waited 26 s), so the
font URLs point at the hub's own /static/fonts/. Frutiger is licensed and is not in the npm
package: an NHS organisation with the licence puts the .woff2/.woff files in
hub/web/static/fonts/ and runs ``make assets`` again. Without them the @font-face rules are
dropped and pages use NHS.UK's own fallback (Arial), with no request for a missing file.

    python3 hub/web/self_host.py hub/web/static/nhsuk/nhsuk.min.css
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

NHS_FONTS = "https://assets.nhs.uk/fonts/"
LOCAL_FONTS = "/static/fonts/"
FONTS_DIR = Path(__file__).with_name("static") / "fonts"
FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}")
URL = re.compile(r"url\(([^)]+)\)")


def self_hosted(css: str, fonts_dir: Path = FONTS_DIR) -> str:
    def rule(match: re.Match[str]) -> str:
        block = match.group(0).replace(NHS_FONTS, LOCAL_FONTS)
        wanted = [u.strip("'\"") for u in URL.findall(block) if LOCAL_FONTS in u]
        present = all((fonts_dir / Path(u).name).is_file() for u in wanted)
        return block if present else ""

    return FONT_FACE.sub(rule, css).replace(NHS_FONTS, LOCAL_FONTS)


def main(paths: list[str]) -> None:
    for name in paths:
        path = Path(name)
        path.write_text(self_hosted(path.read_text()))


if __name__ == "__main__":
    main(sys.argv[1:])
