#!/usr/bin/env python3
"""Writes crafted.xlsx: what Excel and other writers put in an .xlsx that LibreOffice's own files lack.

Inline strings (plain and rich), rich-text shared strings with a phonetic run, cells and rows without `r`
references, a namespace prefix on every element, the 1904 date system, a custom date format and built-in
number format 22 (date and time), a formula's cached string, an error value, an `_xHHHH_` escape, a number
stored with an exponent, a merged range whose hidden cell still holds text, and a MAC stored as a number.
Usage: craft-xlsx.py OUTPUT_DIRECTORY
"""
import sys
import zipfile

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"

content_types = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
</Types>"""

root_rels = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{PKG}">
<Relationship Id="rId1" Type="{REL}/officeDocument" Target="/xl/workbook.xml"/>
</Relationships>"""

workbook = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="{MAIN}" xmlns:r="{REL}">
<workbookPr date1904="1"/>
<sheets><sheet name="Crafted" sheetId="7" r:id="rId9"/></sheets>
</workbook>"""

workbook_rels = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{PKG}">
<Relationship Id="rId9" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>
<Relationship Id="rId3" Type="{REL}/styles" Target="styles.xml"/>
<Relationship Id="rId4" Type="{REL}/hyperlink" Target="https://example.invalid/" TargetMode="External"/>
</Relationships>"""

styles = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="{MAIN}">
<numFmts count="1"><numFmt numFmtId="164" formatCode="[$-409]d\\-mmm\\-yyyy;@"/></numFmts>
<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="14" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="22" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""

# 0 MAC ADDRESS, 1 DESCRIPTION, 2 DEVICE TYPE (rich, phonetic run), 3 DEVICE POOL, 4 OWNER USER ID,
# 5 DIRECTORY NUMBER 1, 6 DISPLAY 1, 7 DP-Dallas, 8 DP-NewYork
shared = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="{MAIN}" count="9" uniqueCount="9">
<si><t>MAC ADDRESS</t></si>
<si><t>DESCRIPTION</t></si>
<si><r><rPr><b/></rPr><t>DEVICE</t></r><r><t xml:space="preserve"> TYPE</t></r><rPh sb="0" eb="6"><t>デバイス</t></rPh><phoneticPr fontId="1"/></si>
<si><t>DEVICE POOL</t></si>
<si><t>OWNER USER ID</t></si>
<si><t>DIRECTORY NUMBER 1</t></si>
<si><t>DISPLAY 1</t></si>
<si><t>DP-Dallas</t></si>
<si><r><t>DP-</t></r><r><rPr><i/></rPr><t>NewYork</t></r></si>
</sst>"""

def inline(text, ref=None):
    r = f' r="{ref}"' if ref else ""
    return f'<x:c{r} t="inlineStr"><x:is><x:t>{text}</x:t></x:is></x:c>'

sheet = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<x:worksheet xmlns:x="{MAIN}" xmlns:r="{REL}">
<x:dimension ref="A1:G7"/>
<x:sheetData>
<x:row r="1">{''.join(f'<x:c r="{c}1" t="s"><x:v>{i}</x:v></x:c>' for i, c in enumerate("ABCDEFG"))}</x:row>
<x:row><x:c><x:v>1.2345678901E+11</x:v></x:c><x:c t="inlineStr"><x:is><x:r><x:t>Rich</x:t></x:r><x:r><x:rPr><x:b/></x:rPr><x:t xml:space="preserve"> inline</x:t></x:r></x:is></x:c>{inline("Cisco 8845")}<x:c t="s"><x:v>7</x:v></x:c><x:c t="str"><x:f>LOWER("FORMULA.OWNER")</x:f><x:v>formula.owner</x:v></x:c><x:c><x:v>7001</x:v></x:c>{inline("Formula Owner")}</x:row>
<x:row r="4"><x:c r="B4" s="1"><x:v>43904</x:v></x:c>{inline("7841", "C4")}<x:c r="D4" t="s"><x:v>8</x:v></x:c>{inline("date.1904", "E4")}<x:c r="F4"><x:v>7002</x:v></x:c>{inline("Date_x0020_1904", "G4")}</x:row>
<x:row r="5"><x:c r="B5" s="2"><x:v>43904.5</x:v></x:c>{inline("Cisco 7841", "C5")}<x:c r="D5" t="s"><x:v>7</x:v></x:c>{inline("datetime.1904", "E5")}<x:c r="F5"><x:v>7003</x:v></x:c>{inline("Date Time", "G5")}</x:row>
<x:row r="6"><x:c r="A6"/>{inline("should not appear", "B6")}{inline("Cisco 7841", "C6")}<x:c r="D6" t="s"><x:v>8</x:v></x:c>{inline("merged.hidden", "E6")}<x:c r="F6"><x:v>7004</x:v></x:c><x:c r="G6" t="e"><x:v>#N/A</x:v></x:c></x:row>
<x:row r="7"><x:c r="A7"><x:v>1021383</x:v></x:c>{inline("Number MAC", "B7")}{inline("Cisco 8845", "C7")}<x:c r="D7" t="s"><x:v>7</x:v></x:c>{inline("number.mac", "E7")}<x:c r="F7"><x:v>7005</x:v></x:c>{inline("Number Mac", "G7")}</x:row>
</x:sheetData>
<x:mergeCells count="1"><x:mergeCell ref="B5:B6"/></x:mergeCells>
</x:worksheet>"""

out = sys.argv[1]
with zipfile.ZipFile(f"{out}/crafted.xlsx", "w", zipfile.ZIP_DEFLATED) as z:
    for name, text in [
        ("[Content_Types].xml", content_types),
        ("_rels/.rels", root_rels),
        ("xl/workbook.xml", workbook),
        ("xl/_rels/workbook.xml.rels", workbook_rels),
        ("xl/styles.xml", styles),
        ("xl/sharedStrings.xml", shared),
        ("xl/worksheets/sheet1.xml", sheet),
    ]:
        info = zipfile.ZipInfo(name, date_time=(2024, 3, 15, 12, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, text)
