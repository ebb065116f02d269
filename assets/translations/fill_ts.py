"""Write the glossary's Japanese into lightbox_ja.ts: python assets/translations/fill_ts.py"""
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

here = Path(__file__).parent
sys.path.insert(0, str(here))
from ja_glossary import JA  # noqa: E402

path = here / "lightbox_ja.ts"
tree = ET.parse(path)
missing = []
for message in tree.getroot().iter("message"):
    source = message.find("source").text
    translation = message.find("translation")
    if source in JA:
        translation.text = JA[source]
        translation.attrib.pop("type", None)
    else:
        missing.append(source)
tree.write(path, encoding="utf-8", xml_declaration=True)
print("missing:", missing)
