"""Combines faceparse-converted pnet/rnet/onet safetensors into models/mtcnn.safetensors (keys pnet.*, rnet.*, onet.*).
Python standard library only; tensor bytes are copied unchanged. Usage:
  for n in pnet rnet onet; do faceparse convert --from $FIXTURES/$n.pt --to /tmp/$n.safetensors; done
  python3 models/mtcnn-combine.py /tmp models/mtcnn.safetensors"""
import json, struct, sys

folder, out = sys.argv[1], sys.argv[2]
header, blobs, offset = {}, [], 0
for net in ("pnet", "rnet", "onet"):
    with open(f"{folder}/{net}.safetensors", "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        h = json.loads(f.read(n))
        data = f.read()
    for key, info in sorted((k, v) for k, v in h.items() if k != "__metadata__"):
        start, end = info["data_offsets"]
        blobs.append(data[start:end])
        header[f"{net}.{key}"] = {"dtype": info["dtype"], "shape": info["shape"], "data_offsets": [offset, offset + end - start]}
        offset += end - start
header["__metadata__"] = {"faceparse.detector": "mtcnn",
                          "source": "facenet-pytorch data/{pnet,rnet,onet}.pt (MIT), see models/mtcnn.md"}
text = json.dumps(header, separators=(",", ":")).encode()
text += b" " * (-len(text) % 8)
with open(out, "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
