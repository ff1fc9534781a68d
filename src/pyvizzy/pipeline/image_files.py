"""Opening one of the user's image files for ``pyvizzy embed``: within a pixel limit, and
failing in one line.

An image over :data:`MAX_IMAGE_PIXELS` is refused from its header, before any pixel is
decoded (a small file that declares a huge size, a decompression bomb, costs nothing); a file
Pillow cannot read or decode (not an image, truncated, corrupt, a compressed text chunk that
expands past Pillow's limit) is refused naming it. Pillow's warnings are not printed. Pillow
is imported only when an image is opened.
"""

from __future__ import annotations

import warnings

from pyvizzy.pipeline.errors import InputError

__all__ = ["MAX_IMAGE_PIXELS", "open_image", "pixel_limit_problem"]

#: The most pixels (width x height) an input image may have: 64 megapixels, such as
#: 9,800 x 6,500, larger than most cameras' photos. Decoded as RGB it takes 192 MB.
MAX_IMAGE_PIXELS = 64_000_000


def pixel_limit_problem(width, height, limit=MAX_IMAGE_PIXELS):
    """Why an image of ``width`` x ``height`` pixels is too large to decode; None if it is not."""
    if width * height > limit:
        return f"{width} x {height} pixels is more than the {limit:,} an image may have"
    return None


def open_image(path, where):
    """The image at ``path``, decoded in full (a PIL image, file closed).

    Parameters
    ----------
    path : path-like
    where : str
        What the error names: the file, and the CSV row that lists it where there is one.

    Raises
    ------
    InputError
        One line naming ``where``: the image has more than :data:`MAX_IMAGE_PIXELS` pixels
        (found from its header, or by Pillow's own decompression-bomb check), or it cannot
        be read or decoded (the exception's type in brackets).
    """
    from PIL import Image

    try:
        with open(path, "rb") as file, warnings.catch_warnings():
            # Pillow's warnings (over its own pixel limit, which is above ours; corrupt EXIF
            # data) are not printed: the image is refused in one line or decoded in full.
            warnings.simplefilter("ignore")
            picture = Image.open(file)
            problem = pixel_limit_problem(*picture.size)
            if problem:
                raise InputError(f"{where}: {problem}")
            picture.load()
            return picture
    except InputError:
        raise
    except Image.DecompressionBombError:
        raise InputError(f"{where}: more than the {MAX_IMAGE_PIXELS:,} pixels an image may "
                         "have (Pillow: a decompression bomb)") from None
    except Exception as error:
        # Pillow's decoders raise OSError, SyntaxError, ValueError (a text chunk too large),
        # EOFError, struct.error...: each is an unreadable file here.
        raise InputError(f"{where}: not a readable image ({type(error).__name__})") from None
