"""Loaders: one function per pack, ``load_x(src: grader.data.Source, **options)``, each returning plain objects.

Shared result types live in ``grader.data.loaders.types``; every loader checks
what it read (shapes, dtypes, label ranges) and raises CourseError naming the
file and the problem.
"""
