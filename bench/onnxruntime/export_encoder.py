# The official ImageEncoderViT (random weights: only the time matters) exported to ONNX, for
# ort_encoder.js. Needs Debian's python3-torch, python3-torchvision and python3-onnx, and the
# official code on PYTHONPATH (a checkout of github.com/facebookresearch/segment-anything).
# usage: python3 export_encoder.py b|l|h OUT.onnx   (ViT-H: weights > 2 GB, kept beside OUT as
# external data by torch.onnx)
import sys, time, torch
from segment_anything import sam_model_registry
model, path = sys.argv[1], sys.argv[2]
torch.manual_seed(0)
enc = sam_model_registry["vit_" + model]().image_encoder.eval()
t = time.time()
with torch.no_grad():
    torch.onnx.export(enc, torch.randn(1, 3, 1024, 1024), path, input_names=["image"],
                      output_names=["embedding"], opset_version=17)
print("export_s %.1f" % (time.time() - t))
