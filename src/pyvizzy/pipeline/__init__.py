"""The offline data pipeline: images or pixels -> embeddings -> dataset files.

Nothing here is needed by the app at run time. The modules that need torch or Pillow
(:mod:`pyvizzy.pipeline.resnet`, :mod:`pyvizzy.pipeline.embed`) import them lazily or only
there, so :mod:`pyvizzy.pipeline.catalog`, :mod:`pyvizzy.pipeline.digits` and
:mod:`pyvizzy.pipeline.svd` import with numpy and scikit-learn alone.
"""
