#!/usr/bin/env python3
"""A CSV viewer for allgo's webapp sessions: a page with an SVG plot, /healthz, and a WebSocket echo at /ws."""
import base64
import csv
import hashlib
import html
import os
import struct
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'
SAMPLE = '/usr/local/share/viewer/sample.csv'


def csv_file():
    # $VIEWER_CSV, else the first CSV file given at the session's start (its working folder), else the sample.
    if os.environ.get('VIEWER_CSV'):
        return os.environ['VIEWER_CSV']
    given = sorted(f for f in os.listdir('.') if f.lower().endswith('.csv')) if os.access('.', os.R_OK) else []
    return given[0] if given else SAMPLE


def read_points(path):
    with open(path, newline='') as f:
        rows = list(csv.reader(f))
    points = []
    for row in rows[1:]:
        try:
            points.append((float(row[0]), float(row[1])))
        except (ValueError, IndexError):
            continue
    return rows[0] if rows else ['x', 'y'], points


def svg_plot(points, width=400, height=240):
    if not points:
        return '<p>no points</p>'
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    sx = (width - 20) / ((x1 - x0) or 1)
    sy = (height - 20) / ((y1 - y0) or 1)
    path = ' '.join(f'{10 + (x - x0) * sx:.1f},{height - 10 - (y - y0) * sy:.1f}' for x, y in points)
    return f'<svg id="plot" width="{width}" height="{height}"><polyline fill="none" stroke="steelblue" stroke-width="2" points="{path}"/></svg>'


PAGE = '''<!doctype html>
<html><head><meta charset="utf-8"><title>CSV viewer</title></head>
<body>
<h1>CSV viewer</h1>
<p>{name}: {count} points ({header})</p>
{plot}
<p><input id="msg" value="hello"> <button id="send">send</button> <output id="echo"></output></p>
<script src="{base}/app.js"></script>
</body></html>
'''

SCRIPT = '''
const base = document.currentScript.src.replace(/\\/app\\.js$/, '');
const ws = new WebSocket(base.replace(/^http/, 'ws') + '/ws');
ws.onmessage = (e) => { document.getElementById('echo').textContent = e.data; };
document.getElementById('send').onclick = () => ws.send(document.getElementById('msg').value);
window.viewerSocket = ws;
'''


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def base(self):
        # The prefix the platform mounts the app at: '' on its own host name, '/s/ID' by path.
        prefix = self.headers.get('X-Forwarded-Prefix')
        if prefix is None:
            prefix = os.environ.get('ALLGO_BASE_PATH', '')
        return prefix.rstrip('/')

    def send_text(self, status, body, ctype='text/plain; charset=utf-8'):
        data = body.encode()
        self.send_response(status)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        path = self.path.split('?', 1)[0]
        if path == '/healthz':
            return self.send_text(200, 'ok\n')
        if path == '/app.js':
            return self.send_text(200, SCRIPT, 'text/javascript')
        if path == '/ws' and self.headers.get('Upgrade', '').lower() == 'websocket':
            return self.websocket()
        if path == '/':
            path = csv_file()
            header, points = read_points(path)
            page = PAGE.format(name=html.escape(os.path.basename(path)), count=len(points), header=html.escape(', '.join(header)), plot=svg_plot(points), base=html.escape(self.base()))
            return self.send_text(200, page, 'text/html; charset=utf-8')
        return self.send_text(404, 'not found\n')

    def websocket(self):
        key = self.headers.get('Sec-WebSocket-Key', '')
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        self.send_response(101)
        self.send_header('Upgrade', 'websocket')
        self.send_header('Connection', 'Upgrade')
        self.send_header('Sec-WebSocket-Accept', accept)
        self.end_headers()
        self.wfile.flush()
        while True:
            frame = self.read_frame()
            if frame is None:
                break
            opcode, payload = frame
            if opcode == 8:
                self.write_frame(8, payload[:2])
                break
            if opcode == 9:
                self.write_frame(10, payload)
            elif opcode == 1:
                self.write_frame(1, b'echo: ' + payload)
        self.close_connection = True

    def read_frame(self):
        head = self.rfile.read(2)
        if len(head) < 2:
            return None
        opcode, length = head[0] & 0x0F, head[1] & 0x7F
        if length == 126:
            length = struct.unpack('>H', self.rfile.read(2))[0]
        elif length == 127:
            length = struct.unpack('>Q', self.rfile.read(8))[0]
        mask = self.rfile.read(4) if head[1] & 0x80 else b'\0\0\0\0'
        data = self.rfile.read(length)
        return opcode, bytes(b ^ mask[i % 4] for i, b in enumerate(data))

    def write_frame(self, opcode, payload):
        n = len(payload)
        head = bytes([0x80 | opcode]) + (bytes([n]) if n < 126 else bytes([126]) + struct.pack('>H', n))
        self.wfile.write(head + payload)
        self.wfile.flush()

    def log_message(self, fmt, *args):
        print(f'{self.address_string()} {fmt % args}', flush=True)


if __name__ == '__main__':
    port = int(os.environ.get('PORT', '8000'))
    print(f'viewer listening on port {port}, base path {os.environ.get("ALLGO_BASE_PATH", "")}', flush=True)
    ThreadingHTTPServer(('0.0.0.0', port), Handler).serve_forever()
