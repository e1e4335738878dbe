#!/usr/bin/python3
"""Validate ONNX models with the reference implementation (python onnx).

Usage:  /usr/bin/python3 packages/runtime/scripts/check_onnx.py DIR_OR_FILE [...] [--no-strict]

Every .onnx file under each folder (recursively, sorted) goes through onnx.checker.check_model(full_check=True)
and onnx.shape_inference.infer_shapes(check_type=True, strict_mode=True); external data is read from the model's
folder. Prints one line per model and a summary; exits 1 if any model fails or none is found.
"""
import argparse
import os
import sys

import onnx

TWO_GIB = 2**31 - 1


def find_models(targets):
    found = []
    for t in targets:
        if os.path.isfile(t):
            found.append(t)
        elif os.path.isdir(t):
            for root, dirs, files in os.walk(t):
                dirs.sort()
                found.extend(os.path.join(root, f) for f in sorted(files) if f.endswith('.onnx'))
        else:
            print(f'MISSING {t}: no such file or folder', flush=True)
            found.append(None)
    return found


def check(path, strict):
    size = os.path.getsize(path)
    if size > TWO_GIB:
        # Too big for an in-memory proto: use the path-based checker.
        onnx.checker.check_model(path, full_check=True)
        out = path + '.inferred.tmp'
        try:
            onnx.shape_inference.infer_shapes_path(path, out, check_type=True, strict_mode=strict)
            inferred = onnx.load(out, load_external_data=False)
        finally:
            if os.path.exists(out):
                os.remove(out)
        model = onnx.load(path, load_external_data=False)
    else:
        model = onnx.load(path)  # also loads external data next to the model
        onnx.checker.check_model(model, full_check=True)
        inferred = onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=strict)
    opsets = ','.join(f'{o.domain or "ai.onnx"}:{o.version}' for o in model.opset_import)
    return (f'{len(model.graph.node)} nodes, {len(model.graph.initializer)} initializers, ir {model.ir_version}, '
            f'opsets {opsets}, {len(inferred.graph.value_info)} values typed by inference')


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('targets', nargs='+', help='folders (searched recursively for *.onnx) or .onnx files')
    ap.add_argument('--no-strict', action='store_true', help='shape inference without strict_mode')
    args = ap.parse_args(argv)
    models = find_models(args.targets)
    ok = failed = 0
    for path in models:
        if path is None:
            failed += 1
            continue
        try:
            info = check(path, strict=not args.no_strict)
            print(f'OK   {path}: {info}', flush=True)
            ok += 1
        except Exception as e:  # noqa: BLE001 (every failure is reported, then counted)
            msg = ' '.join(str(e).split())
            print(f'FAIL {path}: {type(e).__name__}: {msg}', flush=True)
            failed += 1
    if not models:
        print('no .onnx files found', flush=True)
    print(f'summary: {ok + failed} checked, {ok} ok, {failed} failed (onnx {onnx.__version__})', flush=True)
    return 1 if failed or not models else 0


if __name__ == '__main__':
    sys.exit(main())
