#!/usr/bin/env python3
"""Generate the model zoo (Models/*.json, format tensoropt-model/1).

Pure standard library and independent of the Swift code, so the zoo can be
regenerated and reviewed on its own:

    python3 scripts/gen_zoo.py            # rewrite Models/
    python3 scripts/gen_zoo.py --check    # also print parameter counts computed here

The parameter counter below is a second, independent implementation of the
conventions in docs/model-format.md; the Swift tests check the same numbers.
"""

import json
import os
import sys

FORMAT = "tensoropt-model/1"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Models")

BSH = ["batch", "seq", "hidden"]


def op(name, kind, inputs, shape, **attributes):
    entry = {"name": name, "kind": kind, "inputs": inputs, "shape": shape}
    entry.update(attributes)
    return entry


def block_op(name, block, repeat, input_name):
    return {"name": name, "block": block, "repeat": repeat, "inputs": [input_name]}


# --------------------------------------------------------------------------- GPT


def gpt(name, hidden, layers, heads, vocab, positions, seq, global_batch, dtype,
        dropout=0.1, tied=True, description=""):
    """GPT-2 style decoder: learned positions, pre-LN, biases everywhere."""
    drop = dropout > 0

    def dropped(ops, src, dst, p_name):
        if drop:
            ops.append(op(dst, "dropout", [src], BSH, p=dropout))
            return dst
        return src

    layer = []
    layer.append(op("ln_1", "layernorm", ["x"], BSH))
    layer.append(op("qkv", "linear", ["ln_1"], ["batch", "seq", "qkv"]))
    layer.append(op("attn", "attention", ["qkv"], BSH, heads="heads", causal=True))
    layer.append(op("attn_proj", "linear", ["attn"], BSH))
    a = dropped(layer, "attn_proj", "attn_drop", "p")
    layer.append(op("attn_residual", "add", ["x", a], BSH))
    layer.append(op("ln_2", "layernorm", ["attn_residual"], BSH))
    layer.append(op("fc", "linear", ["ln_2"], ["batch", "seq", "ffn"]))
    layer.append(op("gelu", "gelu", ["fc"], ["batch", "seq", "ffn"]))
    layer.append(op("fc_proj", "linear", ["gelu"], BSH))
    m = dropped(layer, "fc_proj", "mlp_drop", "p")
    layer.append(op("mlp_residual", "add", ["attn_residual", m], BSH))

    ops = []
    ops.append(op("wte", "embedding", ["tokens"], BSH, rows="vocab"))
    ops.append(op("wpe", "embedding", ["positions"], BSH, rows="positions"))
    ops.append(op("embed", "add", ["wte", "wpe"], BSH))
    h0 = dropped(ops, "embed", "embed_drop", "p")
    ops.append(block_op("layers", "layer", layers, h0))
    ops.append(op("ln_f", "layernorm", ["layers"], BSH))
    head = {"bias": False}
    if tied:
        head["tied_to"] = "wte"
    ops.append(op("lm_head", "linear", ["ln_f"], ["batch", "seq", "vocab"], **head))
    ops.append(op("loss", "cross_entropy", ["lm_head"], []))
    return {
        "format": FORMAT, "name": name, "family": "language", "description": description,
        "training": {"global_batch_size": global_batch, "sequence_length": seq, "dtype": dtype},
        "dims": {"hidden": hidden, "heads": heads, "qkv": 3 * hidden, "ffn": 4 * hidden,
                 "vocab": vocab, "positions": positions},
        "inputs": [{"name": "tokens", "shape": ["batch", "seq"], "dtype": "int32"},
                   {"name": "positions", "shape": ["batch", "seq"], "dtype": "int32"}],
        "ops": ops,
        "blocks": {"layer": {"input": {"name": "x", "shape": BSH}, "output": "mlp_residual", "ops": layer}},
        "outputs": ["loss"],
    }


# ------------------------------------------------------------------------- LLaMA


def llama(name, hidden, layers, heads, kv_heads, ffn, vocab, seq, global_batch, description=""):
    """LLaMA 2: RMSNorm, no biases, grouped-query attention, SwiGLU, untied head."""
    head_dim = hidden // heads
    layer = [
        op("input_layernorm", "rmsnorm", ["x"], BSH),
        op("qkv_proj", "linear", ["input_layernorm"], ["batch", "seq", "qkv"], bias=False),
        op("attn", "attention", ["qkv_proj"], BSH, heads="heads", kv_heads="kv_heads", causal=True),
        op("o_proj", "linear", ["attn"], BSH, bias=False),
        op("attn_residual", "add", ["x", "o_proj"], BSH),
        op("post_attention_layernorm", "rmsnorm", ["attn_residual"], BSH),
        op("gate_proj", "linear", ["post_attention_layernorm"], ["batch", "seq", "ffn"], bias=False),
        op("up_proj", "linear", ["post_attention_layernorm"], ["batch", "seq", "ffn"], bias=False),
        op("swiglu", "swiglu", ["gate_proj", "up_proj"], ["batch", "seq", "ffn"]),
        op("down_proj", "linear", ["swiglu"], BSH, bias=False),
        op("mlp_residual", "add", ["attn_residual", "down_proj"], BSH),
    ]
    ops = [
        op("embed_tokens", "embedding", ["tokens"], BSH, rows="vocab"),
        block_op("layers", "layer", layers, "embed_tokens"),
        op("norm", "rmsnorm", ["layers"], BSH),
        op("lm_head", "linear", ["norm"], ["batch", "seq", "vocab"], bias=False),
        op("loss", "cross_entropy", ["lm_head"], []),
    ]
    return {
        "format": FORMAT, "name": name, "family": "language", "description": description,
        "training": {"global_batch_size": global_batch, "sequence_length": seq, "dtype": "bf16"},
        "dims": {"hidden": hidden, "heads": heads, "kv_heads": kv_heads,
                 "qkv": (heads + 2 * kv_heads) * head_dim, "ffn": ffn, "vocab": vocab},
        "inputs": [{"name": "tokens", "shape": ["batch", "seq"], "dtype": "int32"}],
        "ops": ops,
        "blocks": {"layer": {"input": {"name": "x", "shape": BSH}, "output": "mlp_residual", "ops": layer}},
        "outputs": ["loss"],
    }


# -------------------------------------------------------------------------- BERT


def bert(name, hidden, layers, heads, ffn, vocab, positions, type_vocab, seq, global_batch, description=""):
    """BERT: post-LN encoder with a masked-LM head tied to the word embeddings."""
    layer = [
        op("qkv", "linear", ["x"], ["batch", "seq", "qkv"]),
        op("attn", "attention", ["qkv"], BSH, heads="heads"),
        op("attn_proj", "linear", ["attn"], BSH),
        op("attn_drop", "dropout", ["attn_proj"], BSH, p=0.1),
        op("attn_residual", "add", ["x", "attn_drop"], BSH),
        op("attn_norm", "layernorm", ["attn_residual"], BSH),
        op("fc", "linear", ["attn_norm"], ["batch", "seq", "ffn"]),
        op("gelu", "gelu", ["fc"], ["batch", "seq", "ffn"]),
        op("fc_proj", "linear", ["gelu"], BSH),
        op("mlp_drop", "dropout", ["fc_proj"], BSH, p=0.1),
        op("mlp_residual", "add", ["attn_norm", "mlp_drop"], BSH),
        op("mlp_norm", "layernorm", ["mlp_residual"], BSH),
    ]
    ops = [
        op("word_embeddings", "embedding", ["tokens"], BSH, rows="vocab"),
        op("position_embeddings", "embedding", ["positions"], BSH, rows="positions"),
        op("token_type_embeddings", "embedding", ["token_types"], BSH, rows="type_vocab"),
        op("embed_positions", "add", ["word_embeddings", "position_embeddings"], BSH),
        op("embed", "add", ["embed_positions", "token_type_embeddings"], BSH),
        op("embed_norm", "layernorm", ["embed"], BSH),
        op("embed_drop", "dropout", ["embed_norm"], BSH, p=0.1),
        block_op("layers", "layer", layers, "embed_drop"),
        op("mlm_dense", "linear", ["layers"], BSH),
        op("mlm_gelu", "gelu", ["mlm_dense"], BSH),
        op("mlm_norm", "layernorm", ["mlm_gelu"], BSH),
        op("mlm_decoder", "linear", ["mlm_norm"], ["batch", "seq", "vocab"], tied_to="word_embeddings"),
        op("loss", "cross_entropy", ["mlm_decoder"], []),
    ]
    ids = ["batch", "seq"]
    return {
        "format": FORMAT, "name": name, "family": "language", "description": description,
        "training": {"global_batch_size": global_batch, "sequence_length": seq, "dtype": "bf16"},
        "dims": {"hidden": hidden, "heads": heads, "qkv": 3 * hidden, "ffn": ffn, "vocab": vocab,
                 "positions": positions, "type_vocab": type_vocab},
        "inputs": [{"name": "tokens", "shape": ids, "dtype": "int32"},
                   {"name": "positions", "shape": ids, "dtype": "int32"},
                   {"name": "token_types", "shape": ids, "dtype": "int32"}],
        "ops": ops,
        "blocks": {"layer": {"input": {"name": "x", "shape": BSH}, "output": "mlp_norm", "ops": layer}},
        "outputs": ["loss"],
    }


# ------------------------------------------------------------------------ vision


def image(channels, size):
    return ["batch", "channels:%d" % channels, "height:%d" % size, "width:%d" % size]


def resnet50():
    """torchvision resnet50 (v1.5: stride on the 3x3 conv); convs without bias."""
    ops = [
        op("conv1", "conv2d", ["images"], image(64, 112), kernel=7, stride=2, padding=3, bias=False),
        op("bn1", "batchnorm", ["conv1"], image(64, 112)),
        op("relu", "relu", ["bn1"], image(64, 112)),
        op("maxpool", "maxpool", ["relu"], image(64, 56), kernel=3, stride=2, padding=1),
    ]
    blocks = {}
    x, channels, size = "maxpool", 64, 56
    for stage, (width, count, stride) in enumerate([(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)], 1):
        out = 4 * width
        osize = size // stride
        p = "layer%d.0." % stage
        ops += [
            op(p + "conv1", "conv2d", [x], image(width, size), kernel=1, bias=False),
            op(p + "bn1", "batchnorm", [p + "conv1"], image(width, size)),
            op(p + "relu1", "relu", [p + "bn1"], image(width, size)),
            op(p + "conv2", "conv2d", [p + "relu1"], image(width, osize), kernel=3, stride=stride, padding=1,
               bias=False),
            op(p + "bn2", "batchnorm", [p + "conv2"], image(width, osize)),
            op(p + "relu2", "relu", [p + "bn2"], image(width, osize)),
            op(p + "conv3", "conv2d", [p + "relu2"], image(out, osize), kernel=1, bias=False),
            op(p + "bn3", "batchnorm", [p + "conv3"], image(out, osize)),
            op(p + "downsample.conv", "conv2d", [x], image(out, osize), kernel=1, stride=stride, bias=False),
            op(p + "downsample.bn", "batchnorm", [p + "downsample.conv"], image(out, osize)),
            op(p + "add", "add", [p + "bn3", p + "downsample.bn"], image(out, osize)),
            op(p + "relu3", "relu", [p + "add"], image(out, osize)),
        ]
        body = [
            op("conv1", "conv2d", ["x"], image(width, osize), kernel=1, bias=False),
            op("bn1", "batchnorm", ["conv1"], image(width, osize)),
            op("relu1", "relu", ["bn1"], image(width, osize)),
            op("conv2", "conv2d", ["relu1"], image(width, osize), kernel=3, padding=1, bias=False),
            op("bn2", "batchnorm", ["conv2"], image(width, osize)),
            op("relu2", "relu", ["bn2"], image(width, osize)),
            op("conv3", "conv2d", ["relu2"], image(out, osize), kernel=1, bias=False),
            op("bn3", "batchnorm", ["conv3"], image(out, osize)),
            op("add", "add", ["x", "bn3"], image(out, osize)),
            op("relu3", "relu", ["add"], image(out, osize)),
        ]
        name = "bottleneck%d" % stage
        blocks[name] = {"input": {"name": "x", "shape": image(out, osize)}, "output": "relu3", "ops": body}
        ops.append(block_op("layer%d" % stage, name, count - 1, p + "relu3"))
        x, channels, size = "layer%d" % stage, out, osize
    ops += [
        op("avgpool", "global_avgpool", [x], ["batch", "channels:2048"]),
        op("fc", "linear", ["avgpool"], ["batch", "classes:1000"]),
        op("loss", "cross_entropy", ["fc"], []),
    ]
    return {
        "format": FORMAT, "name": "resnet50", "family": "vision",
        "description": "ResNet-50 (torchvision v1.5), ImageNet 224x224, 1000 classes.",
        "training": {"global_batch_size": 256, "dtype": "bf16"},
        "dims": {},
        "inputs": [{"name": "images", "shape": image(3, 224)}],
        "ops": ops, "blocks": blocks, "outputs": ["loss"],
    }


def vgg16():
    """torchvision vgg16 (no batch norm); convs with bias; classifier with dropout."""
    ops, x, channels, size = [], "images", 3, 224
    stage, index = 1, 1
    for v in [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]:
        if v == "M":
            size //= 2
            name = "pool%d" % stage
            ops.append(op(name, "maxpool", [x], image(channels, size), kernel=2, stride=2))
            x, stage, index = name, stage + 1, 1
            continue
        conv = "conv%d_%d" % (stage, index)
        ops.append(op(conv, "conv2d", [x], image(v, size), kernel=3, padding=1))
        ops.append(op("relu%d_%d" % (stage, index), "relu", [conv], image(v, size)))
        x, channels, index = "relu%d_%d" % (stage, index), v, index + 1
    ops += [
        op("flatten", "flatten", [x], ["batch", "features:25088"]),
        op("fc6", "linear", ["flatten"], ["batch", "hidden:4096"]),
        op("relu6", "relu", ["fc6"], ["batch", "hidden:4096"]),
        op("drop6", "dropout", ["relu6"], ["batch", "hidden:4096"], p=0.5),
        op("fc7", "linear", ["drop6"], ["batch", "hidden:4096"]),
        op("relu7", "relu", ["fc7"], ["batch", "hidden:4096"]),
        op("drop7", "dropout", ["relu7"], ["batch", "hidden:4096"], p=0.5),
        op("fc8", "linear", ["drop7"], ["batch", "classes:1000"]),
        op("loss", "cross_entropy", ["fc8"], []),
    ]
    return {
        "format": FORMAT, "name": "vgg16", "family": "vision",
        "description": "VGG-16 (torchvision, no batch norm), ImageNet 224x224, 1000 classes.",
        "training": {"global_batch_size": 256, "dtype": "bf16"},
        "dims": {},
        "inputs": [{"name": "images", "shape": image(3, 224)}],
        "ops": ops, "blocks": {}, "outputs": ["loss"],
    }


def mlp():
    """Four wide linear layers: small enough for exhaustive search and the CPU executor."""
    ops, x = [], "x"
    for i in range(1, 4):
        ops.append(op("fc%d" % i, "linear", [x], ["batch", "hidden"]))
        ops.append(op("relu%d" % i, "relu", ["fc%d" % i], ["batch", "hidden"]))
        x = "relu%d" % i
    ops.append(op("fc4", "linear", [x], ["batch", "classes"]))
    ops.append(op("loss", "cross_entropy", ["fc4"], []))
    return {
        "format": FORMAT, "name": "mlp", "family": "vision",
        "description": "Four 1024-wide linear layers with ReLU and a softmax loss (a test workload).",
        "training": {"global_batch_size": 64, "dtype": "fp32"},
        "dims": {"hidden": 1024, "classes": 1024},
        "inputs": [{"name": "x", "shape": ["batch", "hidden"], "dtype": "fp32"}],
        "ops": ops, "blocks": {}, "outputs": ["loss"],
    }


# ------------------------------------------------------------- parameter counter


def count_parameters(model):
    dims = model["dims"]

    def size(entry, shapes_of):
        if isinstance(entry, int):
            return entry
        if ":" in entry:
            entry = entry.split(":", 1)[1]
            if entry.isdigit():
                return int(entry)
        return {"batch": 1, "seq": 1}.get(entry, dims.get(entry))

    def graph(ops, shapes):
        total = 0
        for o in ops:
            if "block" in o:
                b = model["blocks"][o["block"]]
                inner = {b["input"]["name"]: [size(e, None) for e in b["input"]["shape"]]}
                total += o["repeat"] * graph(b["ops"], inner)
                shapes[o["name"]] = shapes[o["inputs"][0]]
                continue
            out = [size(e, None) for e in o["shape"]]
            shapes[o["name"]] = out
            x = shapes.get(o["inputs"][0], [])
            kind = o["kind"]
            if kind == "embedding":
                rows = o["rows"] if isinstance(o["rows"], int) else dims[o["rows"]]
                total += 0 if "tied_to" in o else rows * out[-1]
            elif kind == "linear":
                if "tied_to" not in o:
                    total += x[-1] * out[-1] + (out[-1] if o.get("bias", True) else 0)
            elif kind == "layernorm":
                total += out[-1] * (2 if o.get("bias", True) else 1)
            elif kind == "rmsnorm":
                total += out[-1]
            elif kind == "batchnorm":
                total += 2 * out[1]
            elif kind == "conv2d":
                k = o["kernel"] * o["kernel"]
                total += out[1] * x[1] // o.get("groups", 1) * k + (out[1] if o.get("bias", True) else 0)
        return total

    shapes = {i["name"]: [size(e, None) for e in i["shape"]] for i in model["inputs"]}
    return graph(model["ops"], shapes)


# ----------------------------------------------------------------------- writing


def dump(model):
    """Readable, stable JSON: one op per line."""
    lines = ["{"]
    keys = ["format", "name", "family", "description", "training", "dims", "inputs", "ops", "blocks", "outputs"]
    compact = lambda v: json.dumps(v, separators=(", ", ": "))
    body = []
    for key in keys:
        value = model[key]
        if key in ("inputs", "ops"):
            items = ",\n".join("    " + compact(v) for v in value)
            body.append('  "%s": [\n%s\n  ]' % (key, items) if value else '  "%s": []' % key)
        elif key == "blocks":
            parts = []
            for name, b in value.items():
                ops = ",\n".join("        " + compact(v) for v in b["ops"])
                parts.append('    "%s": {\n      "input": %s,\n      "output": %s,\n      "ops": [\n%s\n      ]\n    }'
                             % (name, compact(b["input"]), compact(b["output"]), ops))
            body.append('  "blocks": {\n%s\n  }' % ",\n".join(parts) if parts else '  "blocks": {}')
        else:
            body.append('  "%s": %s' % (key, compact(value)))
    lines.append(",\n".join(body))
    lines.append("}")
    return "\n".join(lines) + "\n"


def zoo():
    gpt2_desc = "GPT-2 %s, OpenAI 2019: learned positions, pre-LN, tied input/output embeddings."
    yield gpt("gpt2", 768, 12, 12, 50257, 1024, 1024, 512, "bf16", description=gpt2_desc % "small (124M)")
    yield gpt("gpt2-medium", 1024, 24, 16, 50257, 1024, 1024, 512, "bf16", description=gpt2_desc % "medium (355M)")
    yield gpt("gpt2-large", 1280, 36, 20, 50257, 1024, 1024, 512, "bf16", description=gpt2_desc % "large (774M)")
    yield gpt("gpt2-xl", 1600, 48, 25, 50257, 1024, 1024, 512, "bf16", description=gpt2_desc % "XL (1.5B)")
    yield gpt("gpt3-175b", 12288, 96, 96, 50257, 2048, 2048, 1536, "bf16",
              description="GPT-3 175B (Brown et al., 2020): the GPT-2 architecture at 96 layers x 12288.")
    yield gpt("gpt-mini", 256, 4, 8, 2048, 128, 128, 8, "fp32", dropout=0, tied=False,
              description="A 4-layer GPT small enough for the CPU executor (no dropout, untied head).")
    yield llama("llama2-7b", 4096, 32, 32, 32, 11008, 32000, 4096, 1024,
                description="LLaMA 2 7B (Meta, 2023): RMSNorm, SwiGLU, rotary positions (no parameters).")
    yield llama("llama2-70b", 8192, 80, 64, 8, 28672, 32000, 4096, 1024,
                description="LLaMA 2 70B (Meta, 2023): grouped-query attention with 8 key/value heads.")
    yield bert("bert-large", 1024, 24, 16, 4096, 30522, 512, 2, 512, 256,
               description="BERT-large uncased (Devlin et al., 2019) with its masked-LM head; no pooler.")
    yield resnet50()
    yield vgg16()
    yield mlp()


def main():
    os.makedirs(OUT, exist_ok=True)
    for model in zoo():
        with open(os.path.join(OUT, model["name"] + ".json"), "w") as f:
            f.write(dump(model))
        if "--check" in sys.argv:
            print("%-12s %16s parameters" % (model["name"], format(count_parameters(model), ",")))


if __name__ == "__main__":
    main()
