"""Reference safetensors files written by the `safetensors` Python package (`pip install
safetensors numpy`, here 0.8.0), for checking that SafetensorsWriter produces the same bytes. (With more than one metadata
key the reference writer's key order varies between runs, so the fixture has one key.)

Run from anywhere:  python3 make_safetensors_fixtures.py
"""
import os
import numpy as np
from safetensors.numpy import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
save_file({"b": np.array([2], dtype=np.float32), "a": np.array([1, -1], dtype=np.float32)},
          os.path.join(HERE, "safetensors_ref_tiny.safetensors"))
x = [1, -2.5, 1e-3, 65519, 3.14159, -0.0]
save_file({"z.f32": np.array(x, dtype=np.float32).reshape(2, 3), "a.f16": np.array(x, dtype=np.float16),
           "b.f32": np.array([7], dtype=np.float32)},
          os.path.join(HERE, "safetensors_ref_mixed.safetensors"), metadata={"note": 'a "quoted"\nline'})
