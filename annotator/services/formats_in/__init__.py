"""Other annotation tools' files in: Label Studio, doccano, Prodigy, INCEpTION/WebAnno TSV 3,
spaCy DocBin and CoNLL-U Plus, one module per format, each with a ``read`` function turning a
file into :class:`~annotator.services.formats_in.common.ForeignDoc` records that
:func:`~annotator.services.formats_in.common.store_documents` checks and stores."""
