# Independent checks of samc eval's prompts.csv and saved masks (test/cli/test_eval_inspect.sh).
# Python's standard library only: PNG and NIfTI are decoded here, the click rule (the centre of a
# region: the first maximum of OpenCV's 5x5 chamfer distance on the region padded with zeros,
# as docs/protocol.md defines it) and the bounding boxes are recomputed from the spec, not from
# samc. Each command prints "ok" or the problems found.
import csv, gzip, json, os, struct, sys, zlib

KEY = ["task", "image", "class", "experiment", "setting", "selection"]
DETAIL = ["points", "box", "pred_iou", "area", "volume", "plane", "slice"]
METHOD = ["method"]  # last: "sam" for every row of these runs (no --baseline)


def read_png(path):
    """Grey 1- or 8-bit, or palette 8-bit (indices), non-interlaced: rows of sample values."""
    d = open(path, "rb").read()
    assert d[:8] == b"\x89PNG\r\n\x1a\n", path
    p, idat = 8, b""
    while p < len(d):
        n, t = struct.unpack(">I4s", d[p:p + 8])
        body = d[p + 8:p + 8 + n]
        p += 12 + n
        if t == b"IHDR":
            w, h, bd, ct, _, _, il = struct.unpack(">IIBBBBB", body)
        elif t == b"IDAT":
            idat += body
    assert ct in (0, 3) and il == 0 and bd in (1, 8), (path, ct, il, bd)
    raw, rb = zlib.decompress(idat), (w * bd + 7) // 8
    rows, prev, o = [], bytearray(rb), 0
    for _ in range(h):
        f, cur = raw[o], bytearray(raw[o + 1:o + 1 + rb])
        o += 1 + rb
        for i in range(rb):
            a = cur[i - 1] if i >= 1 else 0
            b = prev[i]
            c = prev[i - 1] if i >= 1 else 0
            if f == 1: cur[i] = (cur[i] + a) & 255
            elif f == 2: cur[i] = (cur[i] + b) & 255
            elif f == 3: cur[i] = (cur[i] + (a + b) // 2) & 255
            elif f == 4:
                q = a + b - c
                pa, pb, pc = abs(q - a), abs(q - b), abs(q - c)
                cur[i] = (cur[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(list(cur) if bd == 8 else [(cur[x // 8] >> (7 - x % 8)) & 1 for x in range(w)])
        prev = cur
    return rows


def binary(rows):
    return [[1 if v else 0 for v in r] for r in rows]


def chamfer_center(m):
    """(x, y) of the first maximum, row-major, of the 5x5 chamfer distance (OpenCV, 16.16 fixed
    point weights 65536, 91750, 143976) of m padded by one zero pixel; (0, 0) for an empty m."""
    h, w = len(m), len(m[0])
    H, W = h + 2, w + 2
    FAR = (2 ** 31 - 1) >> 2
    t = [[FAR] * (W + 4) for _ in range(H + 4)]
    fg = lambda y, x: 1 <= y <= h and 1 <= x <= w and m[y - 1][x - 1]
    HV, DG, KN = 65536, 91750, 143976
    for y in range(H):
        for x in range(W):
            if not fg(y, x):
                t[y + 2][x + 2] = 0
                continue
            Y, X = y + 2, x + 2
            v = min(t[Y - 2][X - 1] + KN, t[Y - 2][X + 1] + KN, t[Y - 1][X - 2] + KN, t[Y - 1][X - 1] + DG,
                    t[Y - 1][X] + HV, t[Y - 1][X + 1] + DG, t[Y - 1][X + 2] + KN, t[Y][X - 1] + HV)
            t[Y][X] = min(v, FAR)
    for y in range(H - 1, -1, -1):
        for x in range(W - 1, -1, -1):
            Y, X = y + 2, x + 2
            v = t[Y][X]
            if v > HV:
                t[Y][X] = min(v, t[Y + 2][X + 1] + KN, t[Y + 2][X - 1] + KN, t[Y + 1][X + 2] + KN,
                              t[Y + 1][X + 1] + DG, t[Y + 1][X] + HV, t[Y + 1][X - 1] + DG,
                              t[Y + 1][X - 2] + KN, t[Y][X + 1] + HV)
    best, at = -1, (0, 0)
    for y in range(h):
        for x in range(w):
            if t[y + 3][x + 3] > best:
                best, at = t[y + 3][x + 3], (x, y)
    return at


def components4(m):
    h, w, seen, n = len(m), len(m[0]), set(), 0
    for y in range(h):
        for x in range(w):
            if m[y][x] and (y, x) not in seen:
                n += 1
                stack = [(y, x)]
                seen.add((y, x))
                while stack:
                    a, b = stack.pop()
                    for c, d in ((a + 1, b), (a - 1, b), (a, b + 1), (a, b - 1)):
                        if 0 <= c < h and 0 <= d < w and m[c][d] and (c, d) not in seen:
                            seen.add((c, d))
                            stack.append((c, d))
    return n


def bbox(m):
    ys = [y for y, r in enumerate(m) if any(r)]
    xs = [x for x in range(len(m[0])) if any(r[x] for r in m)]
    return "%d;%d;%d;%d" % (min(xs), min(ys), max(xs), max(ys))


def iou(a, b):
    inter = sum(p and q for ra, rb in zip(a, b) for p, q in zip(ra, rb))
    uni = sum(p or q for ra, rb in zip(a, b) for p, q in zip(ra, rb))
    return inter / uni if uni else None


def read_csv(path):
    with open(path, newline="") as f:
        r = list(csv.reader(f))
    return r[0], r[1:]


def check_prompts(out, masks_dir, chain_image):
    """prompts.csv of a run on PNG phantoms (binary task, masks in masks_dir) with --save-masks."""
    bad = []
    hp, prompts = read_csv(out + "/prompts.csv")
    hi, per_image = read_csv(out + "/per_image.csv")
    if hp != KEY + DETAIL + METHOD: bad.append("prompts.csv header %r" % hp)
    if any(p[-1] != "sam" or q[-1] != "sam" for p, q in zip(prompts, per_image)): bad.append("a row's method is not sam")
    if len(prompts) != len(per_image) or any(p[:6] != q[:6] for p, q in zip(prompts, per_image)):
        bad.append("prompts.csv rows are not per_image.csv's keys in the same order")
    gts, files = {}, 0
    for p, q in zip(prompts, per_image):
        row = dict(zip(hp, p))
        img, exp, st, sel = row["image"], row["experiment"], row["setting"], row["selection"]
        if img not in gts: gts[img] = binary(read_png("%s/%s.png" % (masks_dir, img)))
        gt = gts[img]
        where = "%s %s %s %s" % (img, exp, st, sel)
        if row["area"] != str(sum(map(sum, gt))): bad.append("%s: area %s" % (where, row["area"]))
        if row["volume"] or row["plane"] or row["slice"]: bad.append("%s: volume columns of a 2D image" % where)
        pts, box, pred = row["points"], row["box"], row["pred_iou"]
        kind = {"size": "", "everything": ""}.get(exp)
        if exp == "modes": kind = "p" if st in ("1", "2") else "b"
        if exp == "iterative": kind = "p"
        if exp == "placement": kind = "p" if st.startswith("point_q") else "b"
        if bool(pts) != (kind == "p") or bool(box) != (kind == "b"): bad.append("%s: points %r box %r" % (where, pts, box))
        if exp == "placement" and kind == "p" and not pts.endswith(";1"): bad.append("%s: not one positive point" % where)
        wants_pred = exp in ("modes", "iterative", "placement") or (exp == "everything" and st == "best_mask")
        if bool(pred) != wants_pred or (pred and not 0 < float(pred) < 1.5): bad.append("%s: pred_iou %r" % (where, pred))
        if exp == "size": continue
        files += 1
        f = "%s/masks/%s/%s_%s_%s.png" % (out, img, exp, st, sel)
        if not os.path.exists(f):
            bad.append("no mask file " + f)
            continue
        got, want = iou(binary(read_png(f)), gt), float(q[6])
        if got is None or abs(got - want) > 1e-12: bad.append("%s: saved mask IoU %r, per_image %r" % (where, got, want))
    # besides the masks, each image's ground truth and the image itself (the report's overlays)
    kept = ("gt.png", "image.png")
    n_files = sum(len([f for f in fs if f not in kept]) for _, _, fs in os.walk(out + "/masks"))
    if n_files != files: bad.append("%d files under masks/, %d rows with a mask" % (n_files, files))
    for img, gt in gts.items():
        f = "%s/masks/%s/gt.png" % (out, img)
        if not os.path.exists(f) or binary(read_png(f)) != gt: bad.append("masks/%s/gt.png is not its ground truth" % img)
        if not os.path.exists("%s/masks/%s/image.png" % (out, img)): bad.append("no masks/%s/image.png" % img)
    # the prompts by the protocol's rules, on each image whose mask is one component
    rows = {(r[1], r[3], r[4], r[5]): dict(zip(hp, r)) for r in prompts}
    for img, gt in gts.items():
        if components4(gt) != 1: bad.append("%s: the test expects one component" % img); continue
        cx, cy = chamfer_center(gt)
        centre = "%d;%d;1" % (cx, cy)
        for sel in ("index0", "oracle", "best_predicted"):
            r = lambda e, s: rows[(img, e, s, sel)]
            if r("modes", "1")["points"] != centre or r("modes", "2")["points"] != centre or r("iterative", "1")["points"] != centre:
                bad.append("%s %s: modes 1, 2 or click 1 not at the centre %s" % (img, sel, centre))
            for m in ("3", "4", "5"):
                if r("modes", m)["box"] != bbox(gt): bad.append("%s mode %s: box %s, not %s" % (img, m, r("modes", m)["box"], bbox(gt)))
            if r("placement", "box_j0")["box"] != bbox(gt): bad.append("%s: box_j0 is not the bounding box" % img)
            if r("modes", "4")["pred_iou"] != r("modes", "3")["pred_iou"]: bad.append("%s: mode 4 of one box differs from mode 3" % img)
    # click k+1 = click k's points + the centre of gt XOR the mask chosen at click k (saved),
    # positive iff the label map is set there (binary task: the class mask)
    gt = gts[chain_image]
    for sel in ("index0", "oracle", "best_predicted"):
        k = 1
        while (chain_image, "iterative", str(k + 1), sel) in rows:
            prev = rows[(chain_image, "iterative", str(k), sel)]["points"]
            mask = binary(read_png("%s/masks/%s/iterative_%d_%s.png" % (out, chain_image, k, sel)))
            err = [[a ^ b for a, b in zip(ra, rb)] for ra, rb in zip(gt, mask)]
            x, y = chamfer_center(err)
            want = prev + "|%d;%d;%d" % (x, y, gt[y][x])
            got = rows[(chain_image, "iterative", str(k + 1), sel)]["points"]
            if got != want: bad.append("%s %s click %d: %s, expected %s" % (chain_image, sel, k + 1, got, want))
            k += 1
        if k < 3: bad.append("%s: only %d clicks" % (sel, k))
    print("ok" if not bad else "; ".join(bad[:8]))


def check_predict(prompts_csv, image, exp, setting, sel, json_dir):
    """The rows of one measurement (of selection sel, or "all") against samc predict's
    masks.json for the same prompt: index0 = output 0's predicted IoU, best_predicted = the
    highest, oracle = one of them."""
    h, rows = read_csv(prompts_csv)
    js = [m["predicted_iou"] for m in json.load(open(json_dir + "/masks.json"))["masks"]]
    bad = []
    for r in rows:
        d = dict(zip(h, r))
        if (d["image"], d["experiment"], d["setting"]) != (image, exp, setting): continue
        if sel != "all" and d["selection"] != sel: continue
        p = float(d["pred_iou"])
        want = {"index0": [js[0]], "best_predicted": [max(js)], "oracle": js}[d["selection"]]
        if not any(abs(p - v) <= 1e-7 * max(1, abs(v)) for v in want): bad.append("%s: %r not in %r" % (d["selection"], p, want))
    print("ok" if not bad and len(js) == 3 else "; ".join(bad) or "no rows")


def prompt_args(prompts_csv, image, exp, setting, sel):
    """samc predict's --point / --box options for a measurement's prompt (of selection sel,
    or "all": the first row's; the prompt of modes and placement is the same for all three)."""
    h, rows = read_csv(prompts_csv)
    d = next(dict(zip(h, r)) for r in rows if (r[1], r[3], r[4]) == (image, exp, setting) and sel in ("all", r[5]))
    args = []
    for p in filter(None, d["points"].split("|")): args += ["--point", p.replace(";", ",")]
    for b in filter(None, d["box"].split("|")): args += ["--box", b.replace(";", ",")]
    print(" ".join(args))


def check_everything(prompts_csv, annotations):
    """The best_mask rows' predicted IoU is that of one of the generator's masks."""
    h, rows = read_csv(prompts_csv)
    scores = [a["predicted_iou"] for a in json.load(open(annotations))]
    bad, n = [], 0
    for r in rows:
        d = dict(zip(h, r))
        if d["experiment"] == "everything" and d["setting"] == "best_mask":
            n += 1
            if not any(abs(float(d["pred_iou"]) - s) <= 1e-6 for s in scores): bad.append(d["pred_iou"])
    print("ok" if n and not bad else "not generated scores: %r (%d rows)" % (bad, n))


def make_old(path):
    """Rewrites a results file as a samc before issue 17 wrote it: eight columns, checksum."""
    import hashlib, io
    text = open(path, newline="").read()
    body = text[:text.rindex("#sha256=")]
    rows = list(csv.reader(io.StringIO(body, newline="")))
    out = io.StringIO(newline="")
    w = csv.writer(out, lineterminator="\n")
    for r in rows: w.writerow(r[:8])
    s = out.getvalue()
    open(path, "w", newline="").write(s + "#sha256=" + hashlib.sha256(s.encode()).hexdigest() + "\n")


def check_old(new_dir, old_dir, image):
    """prompts.csv of the folder with one results file of an older samc: that image's rows have
    the key and empty detail, every other row is the same as in the new folder."""
    h, a = read_csv(new_dir + "/prompts.csv")
    _, b = read_csv(old_dir + "/prompts.csv")
    bad = [] if len(a) == len(b) else ["%d rows, not %d" % (len(b), len(a))]
    n = 0
    for ra, rb in zip(a, b):
        if ra[1] == image:
            n += 1
            if rb != ra[:6] + [""] * 7 + ["sam"]: bad.append("row %r" % rb)
        elif ra != rb: bad.append("row %r changed" % rb)
    print("ok" if n and not bad else "; ".join(bad[:5]) or "no rows of " + image)


def check_volume(prompts_csv, labels_nii, volume_id):
    """A volume's rows: volume, plane and slice columns name the slice the image id names, and
    the area is the count of the class's label in that axial slice (array index k of the RAS
    labels volume), counted here from the .nii.gz."""
    d = gzip.open(labels_nii).read()
    dims = struct.unpack("<8h", d[40:56])
    datatype, off = struct.unpack("<h", d[70:72])[0], int(struct.unpack("<f", d[108:112])[0])
    nx, ny, nz = dims[1:4]
    assert datatype == 2, datatype  # uint8
    vox = d[off:off + nx * ny * nz]
    count = lambda k, c: sum(1 for v in vox[k * nx * ny:(k + 1) * nx * ny] if v == c)
    h, rows = read_csv(prompts_csv)
    bad, n = [], 0
    for r in rows:
        row = dict(zip(h, r))
        n += 1
        k = int(row["slice"])
        if row["volume"] != volume_id or row["plane"] != "axial" or row["image"] != "%s_axial%03d" % (volume_id, k):
            bad.append("%s: volume %r plane %r slice %r" % (row["image"], row["volume"], row["plane"], row["slice"]))
        if row["area"] != str(count(k, int(row["class"]))): bad.append("%s class %s: area %s" % (row["image"], row["class"], row["area"]))
    print("ok" if n and not bad else "; ".join(bad[:5]) or "no rows")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"prompts": check_prompts, "predict": check_predict, "args": prompt_args, "everything": check_everything,
     "make_old": make_old, "old": check_old, "volume": check_volume}[cmd](*args)
