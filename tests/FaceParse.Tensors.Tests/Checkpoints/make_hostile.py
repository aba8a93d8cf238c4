#!/usr/bin/env python3
"""Writes the hostile checkpoints in Hostile/ (Python standard library only; nothing here imports torch).

Each file is a torch.save-shaped container (zip with <root>/data.pkl, or the legacy layout) whose pickle tries something
a restricted unpickler must refuse. Commands target MARKER; the C# tests check that it never appears.
Run by hand from this folder:  python3 make_hostile.py
"""
import io, os, pickle, struct, subprocess, sys, types, zipfile, collections

MARKER = "/tmp/faceparse-hostile-marker"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "Hostile")

# Stand-ins so the pickler can name torch's globals without torch: pickle stores only "module name".
for mod in ["torch", "torch._utils"]:
    sys.modules.setdefault(mod, types.ModuleType(mod))
def _rebuild_tensor_v2(*a): pass
_rebuild_tensor_v2.__module__ = "torch._utils"; _rebuild_tensor_v2.__qualname__ = "_rebuild_tensor_v2"
sys.modules["torch._utils"]._rebuild_tensor_v2 = _rebuild_tensor_v2
class FloatStorage: pass
FloatStorage.__module__ = "torch"; FloatStorage.__qualname__ = "FloatStorage"
sys.modules["torch"].FloatStorage = FloatStorage

class Storage:
    def __init__(self, key, numel): self.key, self.numel = key, numel
class Tensor:
    def __init__(self, storage, shape): self.storage, self.shape = storage, shape
    def __reduce__(self):
        stride = tuple(int(__import__("math").prod(self.shape[i + 1:])) for i in range(len(self.shape)))
        return (_rebuild_tensor_v2, (self.storage, 0, tuple(self.shape), stride, False, collections.OrderedDict()))

class TorchPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage): return ("storage", FloatStorage, obj.key, "cpu", obj.numel)
        return None

class LegacyPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage): return ("storage", FloatStorage, obj.key, "cpu", obj.numel, None)
        return None

def dumps(obj, protocol=2, legacy=False):
    buf = io.BytesIO(); (LegacyPickler if legacy else TorchPickler)(buf, protocol=protocol).dump(obj); return buf.getvalue()

def write_zip(name, pkl, storages=None, compress=None):
    with zipfile.ZipFile(os.path.join(OUT, name), "w") as z:
        z.writestr("archive/data.pkl", pkl)
        z.writestr("archive/byteorder", "little")
        for key, data in (storages or {}).items():
            z.writestr(zipfile.ZipInfo(f"archive/data/{key}"), data, compress_type=compress or zipfile.ZIP_STORED)
        z.writestr("archive/version", "3\n")

def write_legacy(name, obj_pkl, keys=(), records=b""):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(pickle.dumps(0x1950a86a20f9469cfc6c, protocol=2))
        f.write(pickle.dumps(1001, protocol=2))
        f.write(pickle.dumps({"protocol_version": 1001, "little_endian": True, "type_sizes": {"short": 2, "int": 4, "long": 4}}, protocol=2))
        f.write(obj_pkl)
        f.write(pickle.dumps(list(keys), protocol=2))
        f.write(records)

class Reduce:
    def __init__(self, fn, args): self.fn, self.args = fn, args
    def __reduce__(self): return (self.fn, self.args)

def raw_global_call(module, name, arg):
    """PROTO 2, GLOBAL module name, (arg,), REDUCE, STOP: the hand-assembled form."""
    a = arg.encode()
    return b"\x80\x02c" + f"{module}\n{name}\n".encode() + b"X" + struct.pack("<I", len(a)) + a + b"\x85R."

def main():
    os.makedirs(OUT, exist_ok=True)
    cmd = f"touch {MARKER}"
    # Globals that run code, through pickle's own __reduce__ support.
    write_zip("os_system.pt", dumps({"w": Reduce(os.system, (cmd,))}))
    write_zip("subprocess_popen.pt", dumps(collections.OrderedDict(w=Reduce(subprocess.Popen, (["touch", MARKER],))), protocol=4))
    write_legacy("legacy_os_system.pt", dumps({"w": Reduce(os.system, (cmd,))}))
    # builtins, hand-assembled.
    write_zip("builtins_eval.pt", raw_global_call("builtins", "eval", f"__import__('os').system('{cmd}')"))
    write_zip("builtins_exec.pt", raw_global_call("builtins", "exec", f"import os; os.system('{cmd}')"))
    write_zip("builtins_getattr.pt", b"\x80\x02cbuiltins\ngetattr\ncos\nsystem\nX\x06\x00\x00\x00systemq\x00\x86R.")
    write_zip("builtins_import.pt", raw_global_call("builtins", "__import__", "os"))
    # Names that look like torch's but are not on the allow-list (torch.storage._load_from_bytes would call torch.load).
    write_zip("torch_lookalike.pt", raw_global_call("torch.storage", "_load_from_bytes", "x"))
    write_zip("torch_lookalike_storage.pt", raw_global_call("torch", "FloatStorageX", "x"))
    # STACK_GLOBAL form (protocol 4) of os.system.
    write_zip("stack_global_os_system.pt", b"\x80\x04\x8c\x02os\x8c\x06system\x93\x8c" + bytes([len(cmd)]) + cmd.encode() + b"\x85R.")
    # INST and OBJ opcodes (protocol 0/1 ways of calling a class).
    write_zip("inst_opcode.pt", b"(X" + struct.pack("<I", len(cmd)) + cmd.encode() + b"ios\nsystem\n.")
    write_zip("obj_opcode.pt", b"(cos\nsystem\nX" + struct.pack("<I", len(cmd)) + cmd.encode() + b"o.")
    # A storage that claims more elements than its entry holds (zip) or than the file holds (legacy).
    write_zip("storage_overclaim.pt", dumps({"w": Tensor(Storage("0", 1_000_000), [1000, 1000])}), {"0": b"\x00" * 16})
    write_zip("storage_overclaim_huge.pt", dumps({"w": Tensor(Storage("0", 1 << 40), [1 << 20, 1 << 20])}), {"0": b"\x00" * 16})
    write_legacy("legacy_storage_overclaim.pt", dumps({"w": Tensor(Storage("k", 4), [4])}, legacy=True), ["k"], struct.pack("<q", 1 << 40) + b"\x00" * 16)
    # A tensor whose view runs past its storage.
    write_zip("view_overrun.pt", dumps({"w": Tensor(Storage("0", 4), [5])}), {"0": b"\x00" * 16})
    # Memo index 10^9 read before written; a 10^9-long string claim.
    write_zip("memo_1e9.pt", b"\x80\x02j" + struct.pack("<I", 10**9) + b".")
    write_zip("string_overclaim.pt", b"\x80\x02X" + struct.pack("<I", 10**9) + b"abc.")
    # Deep nesting: 300 nested tuples; 20,000 nested lists built with EMPTY_LIST/APPEND.
    write_zip("deep_tuples.pt", b"\x80\x02)" + b"\x85" * 300 + b".")
    write_zip("deep_lists.pt", b"\x80\x02" + b"]" * 20000 + b"a" * 19999 + b".")
    # A cycle: a list that contains itself.
    write_zip("cycle.pt", b"\x80\x02]q\x00h\x00a.")
    # Zip bomb: 16 MiB of zeros deflated to ~16 KB as a storage entry, and the same entry with its header lying (size 16).
    bomb = dumps({"w": Tensor(Storage("0", 4 << 20), [4 << 20])})
    write_zip("zip_bomb.pt", bomb, {"0": b"\x00" * (16 << 20)}, zipfile.ZIP_DEFLATED)
    small = dumps({"w": Tensor(Storage("0", 4), [4])})
    write_zip("zip_bomb_src.tmp", small, {"0": b"\x00" * (16 << 20)}, zipfile.ZIP_DEFLATED)
    lie(os.path.join(OUT, "zip_bomb_src.tmp"), os.path.join(OUT, "zip_bomb_lying_header.pt"), 16 << 20, 16)
    os.remove(os.path.join(OUT, "zip_bomb_src.tmp"))
    # TorchScript archive and a file that is no checkpoint.
    with zipfile.ZipFile(os.path.join(OUT, "torchscript.pt"), "w") as z:
        z.writestr("model/data.pkl", b"\x80\x02}."); z.writestr("model/constants.pkl", b"\x80\x02)."); z.writestr("model/code/__torch__/m.py", "def forward(self): pass\n")
    with open(os.path.join(OUT, "not_a_checkpoint.pt"), "wb") as f: f.write(b"hello, this is text\n")

def lie(src, dst, real, claimed):
    """Copies a zip, replacing the uncompressed size `real` in its headers by `claimed` (a header that lies)."""
    data = open(src, "rb").read()
    patched = data.replace(struct.pack("<I", real), struct.pack("<I", claimed))
    open(dst, "wb").write(patched)

main()
