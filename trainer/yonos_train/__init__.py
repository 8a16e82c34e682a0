"""YONOS scale-distillation trainer."""
