"""highdicom's table of every module's attributes, cut to what the frozen app reads.

``highdicom/_standard/module_attribute_map.json`` lists every attribute of all 436
modules of the DICOM standard, nested sequences included: 15.7 MB even minified, the
largest single data file of the frozen build. highdicom reads it in four ways
(``_standard_utils.py``, ``base.py``, ``image.py``, ``sr/content.py``):

1. whole modules of the objects Lightbox WRITES or READS BACK through highdicom
   (Segmentation, the SR documents, Key Object Selection, the grayscale presentation
   state, Secondary Capture): ``check_required_attributes``, ``construct_module_tree`` and
   ``is_attribute_in_iod`` on the new object's own IOD;
2. root-level attributes (empty ``path``) of the SOURCE image's Patient and Study modules,
   which any modality may be (``_copy_root_attributes_of_module``);
3. ``is_attribute_in_iod`` on the source image's IOD for four keywords, at any depth;
4. the key set (``functional_groups_module not in get_module_attribute_map()``).

So the frozen copy keeps every module (the keys), whole for the IODs of (1) and the
modules highdicom names in code, and for all others only the root-level entries plus any
entry of the looked-up keywords. ``tests/packaging/test_highdicom_tables.py`` checks
that every one of those answers is the same on the cut table as on the full one, for
every SOP class highdicom knows; the frozen tests export a SEG and an SR through it.
"""

from __future__ import annotations

from typing import Any

#: IODs whose modules are kept whole: what ``viewer`` builds with (or reads back through)
#: highdicom: hd.seg, hd.sr.Comprehensive (and its relatives), hd.ko, hd.pr, hd.sc.
WHOLE_IODS = (
    "segmentation",
    "comprehensive-sr",
    "comprehensive-3d-sr",
    "enhanced-sr",
    "basic-text-sr",
    "key-object-selection-document",
    "grayscale-softcopy-presentation-state",
    "secondary-capture-image",
    "multi-frame-single-bit-secondary-capture-image",
    "multi-frame-grayscale-byte-secondary-capture-image",
    "multi-frame-grayscale-word-secondary-capture-image",
    "multi-frame-true-color-secondary-capture-image",
)
#: Modules highdicom names in its code (``module='...'``), kept whole as well.
WHOLE_MODULES = ("segmentation-image", "segmentation-multi-frame-functional-groups",
                 "specimen")
#: Keywords highdicom looks up at any depth of a SOURCE image's IOD (is_attribute_in_iod).
LOOKED_UP = ("ContentDate", "ContentTime", "NumberOfFrames", "TotalPixelMatrixRows")


def whole_modules(iod_modules: dict[str, list[dict[str, Any]]]) -> set[str]:
    return {m["key"] for iod in WHOLE_IODS for m in iod_modules[iod]} | set(WHOLE_MODULES)


def cut(module_attributes: dict[str, list[dict[str, Any]]],
        iod_modules: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """The table the frozen app ships (see the module's docstring for the rule)."""
    whole = whole_modules(iod_modules)
    return {
        key: entries if key in whole else [
            e for e in entries if not e["path"] or e["keyword"] in LOOKED_UP]
        for key, entries in module_attributes.items()
    }
