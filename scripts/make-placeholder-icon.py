#!/usr/bin/env python3
"""Draw the interim app icon (a white medical cross and a heart on teal) at
1024 px into icons/icon-source.png and the PNG sizes Tauri needs on Linux.
Packaging (issue 8) replaces this with `tauri icon` output from one source."""
from PIL import Image, ImageDraw
import os

S = 1024
img = Image.new("RGBA", (S, S), (0, 0, 0, 0))
d = ImageDraw.Draw(img)
d.rounded_rectangle([40, 40, S - 40, S - 40], radius=200, fill=(14, 124, 123, 255))
# cross
w = 170
d.rounded_rectangle([S/2 - w/2, 230, S/2 + w/2, 794], radius=30, fill=(255, 255, 255, 255))
d.rounded_rectangle([230, S/2 - w/2 - 40, 794, S/2 + w/2 - 40], radius=30, fill=(255, 255, 255, 255))
# small heart, bottom right (family)
cx, cy, r = 740, 740, 70
d.ellipse([cx - r - 55, cy - r - 40, cx - 55 + r, cy + r - 40], fill=(242, 153, 74, 255))
d.ellipse([cx - r + 55, cy - r - 40, cx + 55 + r, cy + r - 40], fill=(242, 153, 74, 255))
d.polygon([(cx - 2 * r + 5, cy - 10), (cx + 2 * r - 5, cy - 10), (cx, cy + 2 * r)], fill=(242, 153, 74, 255))
out = os.path.join(os.path.dirname(__file__), "..", "icons")
img.save(os.path.join(out, "icon-source.png"))
for name, size in [("32x32.png", 32), ("128x128.png", 128), ("128x128@2x.png", 256), ("icon.png", 512)]:
    img.resize((size, size), Image.LANCZOS).save(os.path.join(out, name))
