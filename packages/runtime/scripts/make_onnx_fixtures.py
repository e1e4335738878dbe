#!/usr/bin/python3
"""Write the ONNX fixtures for src/onnx/*.test.ts with the reference implementation (python onnx + torch).

Usage (from the repository root):  /usr/bin/python3 packages/runtime/scripts/make_onnx_fixtures.py

Writes to packages/runtime/src/onnx/fixtures/:
  rich.onnx              onnx.helper model touching every field the TS codec models, plus fields it keeps as
                         unknown bytes (model-local functions, sparse initializers, quantization annotations,
                         sequence / optional / sparse TypeProtos, sparse-tensor and type-proto attributes)
  torch_mlp.onnx         torch.onnx.export of Linear -> GELU -> LayerNorm -> Linear, opset 17, dynamic batch
  torch_mlp_ext.onnx     the same model with every initializer in torch_mlp_ext.data (onnx external data)
  summary.json           what python onnx decodes from each file (graph, attributes, initializer values, IO)
                         plus the torch input and output of the MLP, for the TS tests to compare against
"""
import json
import math
import os
import sys

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'src', 'onnx', 'fixtures')
INT53 = 2**53


def jint(v):
    """JSON-safe integer: plain number when exact in a double, else a decimal string."""
    v = int(v)
    return v if -INT53 <= v <= INT53 else str(v)


def jfloat(v):
    v = float(v)
    if math.isnan(v) or math.isinf(v):
        return str(v)
    return v


def tensor_summary(t, base_dir=None):
    s = {
        'name': t.name if t.HasField('name') else None,
        'data_type': t.data_type,
        'dims': [jint(d) for d in t.dims],
        'data_location': t.data_location,
        'has_raw_data': t.HasField('raw_data'),
        'external_data': {e.key: e.value for e in t.external_data},
        'float_data': [jfloat(v) for v in t.float_data],
        'int32_data': [jint(v) for v in t.int32_data],
        'int64_data': [jint(v) for v in t.int64_data],
        'double_data': [jfloat(v) for v in t.double_data],
        'uint64_data': [jint(v) for v in t.uint64_data],
        'string_data': [v.decode('utf-8') for v in t.string_data],
        'doc_string': t.doc_string if t.HasField('doc_string') else None,
    }
    try:
        arr = numpy_helper.to_array(t, base_dir or '')
        if arr.dtype == object:
            s['values'] = [v.decode('utf-8') if isinstance(v, bytes) else v for v in arr.ravel().tolist()]
        elif arr.dtype.kind == 'f':
            s['values'] = [jfloat(v) for v in arr.astype(np.float64).ravel()]
        elif arr.dtype.kind == 'b':
            s['values'] = [int(v) for v in arr.ravel()]
        else:
            s['values'] = [jint(v) for v in arr.ravel().tolist()]
    except Exception as e:  # noqa: BLE001 (recorded so the test can see why)
        s['values'] = None
        s['values_error'] = str(e)
    return s


def shape_summary(tt):
    if not tt.HasField('shape'):
        return None
    out = []
    for d in tt.shape.dim:
        which = d.WhichOneof('value')
        out.append(jint(d.dim_value) if which == 'dim_value' else d.dim_param if which == 'dim_param' else None)
    return out


def value_info_summary(vi):
    s = {'name': vi.name, 'doc_string': vi.doc_string if vi.HasField('doc_string') else None}
    which = vi.type.WhichOneof('value') if vi.HasField('type') else None
    s['type_kind'] = which
    if which == 'tensor_type':
        s['elem_type'] = vi.type.tensor_type.elem_type
        s['shape'] = shape_summary(vi.type.tensor_type)
        s['denotations'] = [d.denotation if d.HasField('denotation') else None
                            for d in vi.type.tensor_type.shape.dim]
    return s


def attribute_summary(a, base_dir):
    s = {'name': a.name, 'type': a.type, 'doc_string': a.doc_string if a.HasField('doc_string') else None}
    T = onnx.AttributeProto
    if a.type == T.FLOAT:
        s['value'] = jfloat(a.f)
    elif a.type == T.INT:
        s['value'] = jint(a.i)
    elif a.type == T.STRING:
        s['value'] = list(a.s)  # bytes as numbers: the TS side keeps raw bytes
    elif a.type == T.TENSOR:
        s['value'] = tensor_summary(a.t, base_dir)
    elif a.type == T.GRAPH:
        s['value'] = graph_summary(a.g, base_dir)
    elif a.type == T.FLOATS:
        s['value'] = [jfloat(v) for v in a.floats]
    elif a.type == T.INTS:
        s['value'] = [jint(v) for v in a.ints]
    elif a.type == T.STRINGS:
        s['value'] = [list(v) for v in a.strings]
    elif a.type == T.TENSORS:
        s['value'] = [tensor_summary(t, base_dir) for t in a.tensors]
    elif a.type == T.GRAPHS:
        s['value'] = [graph_summary(g, base_dir) for g in a.graphs]
    else:
        s['value'] = None  # sparse tensors and type protos: kept as unknown fields by the TS codec
    return s


def graph_summary(g, base_dir):
    return {
        'name': g.name,
        'doc_string': g.doc_string if g.HasField('doc_string') else None,
        'nodes': [
            {
                'op_type': n.op_type,
                'name': n.name if n.HasField('name') else None,
                'domain': n.domain if n.HasField('domain') else None,
                'doc_string': n.doc_string if n.HasField('doc_string') else None,
                'inputs': list(n.input),
                'outputs': list(n.output),
                'attributes': [attribute_summary(a, base_dir) for a in n.attribute],
            }
            for n in g.node
        ],
        'initializers': [tensor_summary(t, base_dir) for t in g.initializer],
        'inputs': [value_info_summary(v) for v in g.input],
        'outputs': [value_info_summary(v) for v in g.output],
        'value_info': [value_info_summary(v) for v in g.value_info],
        'n_sparse_initializers': len(g.sparse_initializer),
        'n_quantization_annotations': len(g.quantization_annotation),
    }


def model_summary(path):
    base_dir = os.path.dirname(path)
    m = onnx.load(path, load_external_data=False)
    return {
        'file': os.path.basename(path),
        'bytes': os.path.getsize(path),
        'ir_version': m.ir_version,
        'producer_name': m.producer_name if m.HasField('producer_name') else None,
        'producer_version': m.producer_version if m.HasField('producer_version') else None,
        'domain': m.domain if m.HasField('domain') else None,
        'model_version': m.model_version if m.HasField('model_version') else None,
        'doc_string': m.doc_string if m.HasField('doc_string') else None,
        'opset_import': [{'domain': o.domain, 'version': o.version} for o in m.opset_import],
        'metadata_props': [[e.key, e.value] for e in m.metadata_props],
        'n_functions': len(m.functions),
        'graph': graph_summary(m.graph, base_dir),
    }


def rich_model():
    """An onnx.helper model: every modelled field, every attribute type, and fields the TS codec keeps raw."""
    rng = np.random.default_rng(7)
    inits = [
        numpy_helper.from_array(rng.standard_normal((2, 3)).astype(np.float32), 'w_f32'),
        numpy_helper.from_array(rng.standard_normal((3,)).astype(np.float64), 'w_f64'),
        numpy_helper.from_array(np.array([0.5, -2.0, 65504.0, 1e-4], dtype=np.float16), 'w_f16'),
        numpy_helper.from_array(np.array([-128, -1, 0, 127], dtype=np.int8), 'w_i8'),
        numpy_helper.from_array(np.array([[-(2**31), 5], [7, 2**31 - 1]], dtype=np.int32), 'w_i32'),
        numpy_helper.from_array(np.array([-(2**63), -1, 2**40, 2**63 - 1], dtype=np.int64), 'w_i64'),
        numpy_helper.from_array(np.array([0, 1, 255], dtype=np.uint8), 'w_u8'),
        numpy_helper.from_array(np.array([True, False, True]), 'w_bool'),
        numpy_helper.from_array(np.array(3.25, dtype=np.float32), 'w_scalar'),
        numpy_helper.from_array(np.zeros((0, 4), dtype=np.float32), 'w_empty'),
        # Typed (non-raw) storage, which python writes as packed repeated fields.
        helper.make_tensor('t_float_data', TensorProto.FLOAT, [3], [1.5, -0.25, 3e38]),
        helper.make_tensor('t_int32_data', TensorProto.INT32, [3], [-5, 0, 2**31 - 1]),
        helper.make_tensor('t_f16_bits', TensorProto.FLOAT16, [2], np.array([1.0, -0.5], dtype=np.float16)),
        helper.make_tensor('t_bool_data', TensorProto.BOOL, [2], [True, False]),
        helper.make_tensor('t_int64_data', TensorProto.INT64, [3], [-(2**63), -3, 2**62]),
        helper.make_tensor('t_double_data', TensorProto.DOUBLE, [2], [math.pi, -1e-300]),
        helper.make_tensor('t_uint64_data', TensorProto.UINT64, [2], [0, 2**64 - 1]),
        helper.make_tensor('t_string_data', TensorProto.STRING, [2], [b'abc', 'grüße'.encode()]),
    ]
    inits[0].doc_string = 'a documented initializer'

    then_g = helper.make_graph(
        [helper.make_node('Neg', ['X'], ['then_out'], name='neg')],
        'then_branch', [], [helper.make_tensor_value_info('then_out', TensorProto.FLOAT, ['N', 3])])
    else_g = helper.make_graph(
        [helper.make_node('Add', ['X', 'else_bias'], ['else_out'], name='add_bias')],
        'else_branch', [], [helper.make_tensor_value_info('else_out', TensorProto.FLOAT, ['N', 3])],
        initializer=[numpy_helper.from_array(np.array([1.0, 2.0, 3.0], dtype=np.float32), 'else_bias')])

    small_graph = helper.make_graph([helper.make_node('Identity', ['a'], ['b'])], 'g_in_list',
                                    [helper.make_tensor_value_info('a', TensorProto.FLOAT, [1])],
                                    [helper.make_tensor_value_info('b', TensorProto.FLOAT, [1])])
    sparse = helper.make_sparse_tensor(
        helper.make_tensor('sp_values', TensorProto.FLOAT, [2], [4.0, 5.0]),
        helper.make_tensor('sp_indices', TensorProto.INT64, [2], [1, 3]), [6])

    nodes = [
        helper.make_node('Constant', [], ['c_f'], value_float=1.5),
        helper.make_node('Constant', [], ['c_fs'], value_floats=[1.0, -2.5, 1e-20]),
        helper.make_node('Constant', [], ['c_i'], value_int=-7),
        helper.make_node('Constant', [], ['c_is'], value_ints=[-1, 0, 2**40, 2**63 - 1, -(2**63)]),
        helper.make_node('Constant', [], ['c_s'], value_string='héllo ✓'),
        helper.make_node('Constant', [], ['c_ss'], value_strings=['a', '', 'ü']),
        helper.make_node('Constant', [], ['c_t'],
                         value=numpy_helper.from_array(np.array([[1, 2], [3, 4]], dtype=np.int64), 'c_t_value')),
        helper.make_node('LeakyRelu', ['X'], ['lrelu'], name='lrelu', alpha=0.2, doc_string='alpha is a float'),
        helper.make_node('Transpose', ['lrelu'], ['xt'], name='transpose', perm=[1, 0]),
        helper.make_node('If', ['cond'], ['if_out'], name='branch', then_branch=then_g, else_branch=else_g),
        helper.make_node('SequenceConstruct', ['if_out', 'X'], ['seq'], name='seq_construct'),
        helper.make_node('Constant', [], ['c_i0'], value_int=0),
        helper.make_node('SequenceAt', ['seq', 'c_i0'], ['Y'], name='seq_at'),
        helper.make_node('AddTwice', ['X'], ['fn_out'], name='call_fn', domain='com.proj.fn'),
        helper.make_node(
            'Everything', ['X'], ['everything'], name='custom', domain='com.proj.test',
            tensors_attr=[numpy_helper.from_array(np.array([1, 2], dtype=np.int32), 'ta'),
                          helper.make_tensor('tb', TensorProto.FLOAT, [1], [9.0])],
            graphs_attr=[small_graph],
            sparse_attr=sparse,
            sparse_list_attr=[sparse, sparse],
            type_attr=helper.make_tensor_type_proto(TensorProto.FLOAT, [2, 'k']),
            types_attr=[helper.make_sequence_type_proto(helper.make_tensor_type_proto(TensorProto.INT64, None)),
                        helper.make_tensor_type_proto(TensorProto.BOOL, [])],
            single_int_list=[3],
        ),
    ]
    nodes[-1].attribute[0].doc_string = 'an attribute doc string'

    fn = helper.make_function(
        'com.proj.fn', 'AddTwice', ['x'], ['y'],
        [helper.make_node('Add', ['x', 'x'], ['t']), helper.make_node('Add', ['t', 'x'], ['y'])],
        [helper.make_opsetid('', 17)])

    x_info = helper.make_tensor_value_info('X', TensorProto.FLOAT, ['N', 3])
    x_info.type.tensor_type.shape.dim[0].denotation = 'DATA_BATCH'
    x_info.doc_string = 'the input'
    unknown_dim = helper.make_tensor_value_info('fn_out', TensorProto.FLOAT, [None, 3])
    graph = helper.make_graph(
        nodes, 'rich_graph',
        [x_info, helper.make_tensor_value_info('cond', TensorProto.BOOL, [])],
        [helper.make_tensor_value_info('Y', TensorProto.FLOAT, ['N', 3]),
         helper.make_tensor_value_info('xt', TensorProto.FLOAT, [3, 'N']),
         unknown_dim,
         helper.make_tensor_value_info('everything', TensorProto.FLOAT, [2])],
        initializer=inits,
        doc_string='graph doc',
        value_info=[
            helper.make_tensor_sequence_value_info('seq', TensorProto.FLOAT, ['N', 3]),
            helper.make_value_info('opt_demo', helper.make_optional_type_proto(
                helper.make_tensor_type_proto(TensorProto.FLOAT, [2]))),
            helper.make_sparse_tensor_value_info('sparse_demo', TensorProto.FLOAT, [6]),
            helper.make_tensor_value_info('lrelu', TensorProto.FLOAT, ['N', 3]),
            helper.make_tensor_value_info('c_f', TensorProto.FLOAT, None),  # unknown rank: no shape field
            helper.make_tensor_value_info('c_i', TensorProto.INT64, []),  # scalar: empty shape present
        ],
        sparse_initializer=[helper.make_sparse_tensor(
            helper.make_tensor('sparse_init', TensorProto.FLOAT, [1], [7.0]),
            helper.make_tensor('sparse_init_idx', TensorProto.INT64, [1], [2]), [4])],
    )
    qa = graph.quantization_annotation.add()
    qa.tensor_name = 'lrelu'
    qp = qa.quant_parameter_tensor_names.add()
    qp.key, qp.value = 'SCALE_TENSOR', 'w_scalar'

    model = helper.make_model(
        graph, producer_name='make_onnx_fixtures.py', producer_version='1', domain='ai.proj.test', model_version=42,
        doc_string='A model exercising the ONNX codec.',
        opset_imports=[helper.make_opsetid('', 17), helper.make_opsetid('com.proj.fn', 1),
                       helper.make_opsetid('com.proj.test', 1)],
        functions=[fn])
    helper.set_model_props(model, {'author': 'proj', 'empty': '', 'unicode': 'ünïcødé'})
    return model


class TinyMLP(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(8, 16)
        self.act = torch.nn.GELU()
        self.norm = torch.nn.LayerNorm(16)
        self.fc2 = torch.nn.Linear(16, 4)

    def forward(self, x):
        return self.fc2(self.norm(self.act(self.fc1(x))))


def main():
    os.makedirs(OUT, exist_ok=True)
    rich = rich_model()
    onnx.checker.check_model(rich, full_check=True)
    onnx.save(rich, os.path.join(OUT, 'rich.onnx'))

    torch.manual_seed(0)
    mlp = TinyMLP().eval()
    with torch.no_grad():
        # Non-trivial LayerNorm affine parameters, so the test sees them applied.
        mlp.norm.weight.copy_(torch.linspace(0.5, 1.5, 16))
        mlp.norm.bias.copy_(torch.linspace(-0.1, 0.1, 16))
    x = torch.randn(3, 8, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        y = mlp(x)
    mlp_path = os.path.join(OUT, 'torch_mlp.onnx')
    torch.onnx.export(mlp, (x,), mlp_path, input_names=['x'], output_names=['y'],
                      dynamic_axes={'x': {0: 'batch'}, 'y': {0: 'batch'}}, opset_version=17)

    ext_path = os.path.join(OUT, 'torch_mlp_ext.onnx')
    for stale in (ext_path, os.path.join(OUT, 'torch_mlp_ext.data')):
        if os.path.exists(stale):
            os.remove(stale)
    m = onnx.load(mlp_path)
    onnx.save_model(m, ext_path, save_as_external_data=True, all_tensors_to_one_file=True,
                    location='torch_mlp_ext.data', size_threshold=64)

    summary = {
        'onnx_version': onnx.__version__,
        'torch_version': torch.__version__,
        'models': {name: model_summary(os.path.join(OUT, name))
                   for name in ('rich.onnx', 'torch_mlp.onnx', 'torch_mlp_ext.onnx')},
        'torch_mlp_io': {
            'x_shape': list(x.shape), 'x': [float(v) for v in x.ravel()],
            'y_shape': list(y.shape), 'y': [float(v) for v in y.ravel()],
        },
    }
    with open(os.path.join(OUT, 'summary.json'), 'w') as f:
        json.dump(summary, f, indent=1, ensure_ascii=False)
        f.write('\n')
    written = ['rich.onnx', 'torch_mlp.onnx', 'torch_mlp_ext.onnx', 'torch_mlp_ext.data', 'summary.json']
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in written)
    print(f'wrote {", ".join(written)} to {os.path.normpath(OUT)} ({total} bytes)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
