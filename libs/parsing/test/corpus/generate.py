#!/usr/bin/python3
"""Regenerates the corpus in ../fixtures/corpus from one source table, with writers other than ours:
openpyxl, XlsxWriter (Debian python3-openpyxl, python3-xlsxwriter), LibreOffice headless (libreoffice-calc-nogui)
and hand-built variants of their output (.NET-style prefixes, Strict namespaces, absolute targets, a bad .rels
CRC). Everything here is generated, so it may be redistributed. Run: /usr/bin/python3 generate.py"""
import csv, io, os, re, shutil, subprocess, sys, tempfile, zipfile, datetime

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'fixtures', 'corpus')
HEADER = ['订单号', 'Produit', 'Menge', 'Preis', 'Datum', 'Notiz']
ROWS = [
    ['SO-0001', 'Café crème', 3, 12.5, datetime.date(2026, 11, 3), 'livraison rapide'],
    ['SO-0002', 'Müsli, groß', 10, 4.99, datetime.date(2026, 11, 4), 'says "hi"'],
    ['SO-0003', '保温杯 500ml', 1, 88, datetime.date(2026, 11, 5), ''],
    ['SO-0004', 'Señal ñandú', 0, 0.1, datetime.date(2026, 12, 31), 'multi\nline'],
    ['SO-0005', 'Ærø Øl', 12345, 1234567.89, datetime.date(2027, 1, 1), '€ 5'],
    ['SO-0006', '', 7, -2.5, datetime.date(2026, 2, 28), 'trailing  '],
]
WESTERN = [r for r in ROWS if r[0] != 'SO-0003']  # no Chinese: encodable in Windows-1252


def text_rows(rows):
    header = HEADER if rows is ROWS or any(r[0] == 'SO-0003' for r in rows) else ['Bestellnr'] + HEADER[1:]
    return [header] + [[c.isoformat() if isinstance(c, datetime.date) else str(c) for c in r] for r in rows]


def encodable(row, encoding):
    try:
        ''.join(str(c) for c in row).encode(encoding)
        return True
    except UnicodeEncodeError:
        return False


def write_csv(path, rows, encoding, bom=False, blank_lines=0, delimiter=','):
    buf = io.StringIO()
    buf.write('\r\n' * blank_lines)
    csv.writer(buf, delimiter=delimiter, lineterminator='\r\n').writerows(text_rows(rows))
    data = buf.getvalue().encode(encoding)
    if bom and encoding == 'utf-8':
        data = b'\xef\xbb\xbf' + data
    open(path, 'wb').write(data)


def openpyxl_book(path):
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = 'orders'
    ws.append(HEADER)
    for r in ROWS:
        ws.append(r)
    wb.create_sheet('second').append(['other'])
    wb.save(path)


def xlsxwriter_book(path, constant_memory=False):
    import xlsxwriter
    wb = xlsxwriter.Workbook(path, {'constant_memory': constant_memory, 'default_date_format': 'yyyy-mm-dd'})
    ws = wb.add_worksheet('orders')
    for i, row in enumerate([HEADER] + ROWS):
        for j, value in enumerate(row):
            if isinstance(value, datetime.date):
                ws.write_datetime(i, j, datetime.datetime.combine(value, datetime.time()))
            elif value != '':
                ws.write(i, j, value)
    wb.close()


def soffice(src, target_filter, outdir):
    profile = tempfile.mkdtemp(prefix='lo-profile-')
    try:
        subprocess.run(['soffice', f'-env:UserInstallation=file://{profile}', '--headless', '--convert-to',
                        target_filter, '--outdir', outdir, src], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=180)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def rewrite(src, dst, transform, bad_crc=()):
    """Copies a zip, passing each part through transform(name, bytes) -> (name, bytes) or None."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, 'w', zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            out = transform(item.filename, zin.read(item.filename))
            if out:
                zout.writestr(out[0], out[1])
    if bad_crc:
        data = bytearray(open(dst, 'rb').read())
        for name in bad_crc:
            encoded = name.encode()
            at = data.find(b'PK\x01\x02')
            while at != -1:  # central directory entries: CRC at +16, name at +46
                n = int.from_bytes(data[at + 28:at + 30], 'little')
                if bytes(data[at + 46:at + 46 + n]) == encoded:
                    data[at + 16] ^= 0x5a
                    local = int.from_bytes(data[at + 42:at + 46], 'little')
                    data[local + 14] ^= 0x5a
                at = data.find(b'PK\x01\x02', at + 4)
        open(dst, 'wb').write(bytes(data))


MAIN = b'http://schemas.openxmlformats.org/spreadsheetml/2006/main'


def prefixed(name, data):
    """What .NET writers (Open XML SDK) emit: every SpreadsheetML element with an x: prefix."""
    if name.endswith('.xml') and MAIN in data and not name.startswith('docProps'):
        data = data.replace(b'xmlns="' + MAIN + b'"', b'xmlns:x="' + MAIN + b'"')
        data = re.sub(rb'<(/?)(?!x:|\?|!)([A-Za-z][\w.]*)(?=[\s/>])', lambda m: b'<' + m.group(1) + b'x:' + m.group(2), data)
    return name, data


def strict(name, data):
    """Strict OOXML namespaces, as Excel's 'Strict Open XML Spreadsheet' writes them."""
    data = data.replace(MAIN, b'http://purl.oclc.org/ooxml/spreadsheetml/main')
    data = data.replace(b'http://schemas.openxmlformats.org/officeDocument/2006/relationships',
                        b'http://purl.oclc.org/ooxml/officeDocument/relationships')
    return name, data


def moved(name, data):
    """The workbook under another folder and absolute relationship targets: found only through _rels/.rels."""
    name = name.replace('xl/', 'book/', 1) if name.startswith('xl/') else name
    if name.endswith('.rels') or name == '[Content_Types].xml':
        data = re.sub(rb'Target="(?!/|http)(?:\.\./)?(?:xl/)?([^"]+)"', lambda m: b'Target="/book/' + m.group(1) + b'"', data)
        data = data.replace(b'/xl/', b'/book/')
    if name == '_rels/.rels':
        data = data.replace(b'Target="/book/docProps', b'Target="/docProps')
    return name, data


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        os.remove(os.path.join(OUT, f))
    out = lambda n: os.path.join(OUT, n)
    work = tempfile.mkdtemp(prefix='corpus-')
    # CSV: encodings and layouts as exports have them
    write_csv(out('csv-utf8.csv'), ROWS, 'utf-8')
    write_csv(out('csv-utf8-bom-semicolon.csv'), ROWS, 'utf-8', bom=True, delimiter=';')
    write_csv(out('csv-utf16le-bom-tab.csv'), ROWS, 'utf-16', delimiter='\t')  # Python writes a LE BOM
    write_csv(out('csv-utf16be-bom.csv'), ROWS, 'utf-16-be')
    open(out('csv-utf16be-bom.csv'), 'r+b').write(b'\xfe\xff' + open(out('csv-utf16be-bom.csv'), 'rb').read())
    write_csv(out('csv-windows-1252.csv'), WESTERN, 'cp1252')
    write_csv(out('csv-latin1-blank-lines.csv'), [r for r in WESTERN if '€' not in r[-1]], 'latin-1', blank_lines=2)
    write_csv(out('csv-gbk.csv'), [r for r in ROWS if encodable(r, 'gbk')], 'gbk')
    # XLSX from other writers
    openpyxl_book(out('openpyxl.xlsx'))
    xlsxwriter_book(out('xlsxwriter.xlsx'))
    xlsxwriter_book(out('xlsxwriter-constant-memory.xlsx'), constant_memory=True)
    # LibreOffice: xlsx from the openpyxl book and from CSV; CSV in several encodings from the xlsx
    if shutil.which('soffice'):
        shutil.copy(out('openpyxl.xlsx'), os.path.join(work, 'libreoffice.xlsx'))
        soffice(os.path.join(work, 'libreoffice.xlsx'), 'ods', work)
        soffice(os.path.join(work, 'libreoffice.ods'), 'xlsx:Calc MS Excel 2007 XML', OUT)
        shutil.copy(out('csv-utf8.csv'), os.path.join(work, 'libreoffice-from-csv.csv'))
        soffice(os.path.join(work, 'libreoffice-from-csv.csv'), 'xlsx:Calc MS Excel 2007 XML', OUT)
        for charset, label in [(76, 'utf8'), (65535, 'utf16'), (1, 'windows-1252')]:
            src = os.path.join(work, f'libreoffice-csv-{label}.xlsx')
            shutil.copy(out('openpyxl.xlsx') if label != 'windows-1252' else out('xlsxwriter.xlsx'), src)
            if label == 'windows-1252':  # no Chinese in a Western code page
                rewrite(out('xlsxwriter.xlsx'), src, lambda n, d: (n, d.replace('保温杯 500ml'.encode(), b'Thermos 500ml').replace('订单号'.encode(), b'Bestellnr')))
            soffice(src, f'csv:Text - txt - csv (StarCalc):44,34,{charset}', OUT)
    # Hand-built variants of a real workbook
    rewrite(out('openpyxl.xlsx'), out('dotnet-prefixed.xlsx'), prefixed)
    rewrite(out('xlsxwriter.xlsx'), out('strict-namespaces.xlsx'), strict)
    rewrite(out('openpyxl.xlsx'), out('moved-absolute-targets.xlsx'), moved)
    rewrite(out('xlsxwriter.xlsx'), out('bad-rels-crc.xlsx'), lambda n, d: (n, d), bad_crc=['_rels/.rels', 'xl/_rels/workbook.xml.rels'])
    shutil.rmtree(work, ignore_errors=True)
    print('\n'.join(sorted(os.listdir(OUT))))


main()
