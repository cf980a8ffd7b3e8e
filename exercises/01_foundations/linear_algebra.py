"""Projections and Gram-Schmidt: the geometry behind least squares.

Goal
----
Write three small linear-algebra routines:

* ``project_onto_vector``: the orthogonal projection of v onto the line
  through u;
* ``project_onto_subspace``: the orthogonal projection of v onto the column
  space of a matrix A (the span of its columns);
* ``gram_schmidt``: the QR factorisation A = Q R by *modified* Gram-Schmidt.

Why it matters
--------------
Least squares *is* a projection: the fitted values X w of a linear
regression are the projection of y onto the column space of X, and the
residual y - X w is orthogonal to every column. Orthonormal bases (the Q of
QR) are how solvers compute that projection accurately, how PCA and
attention heads are analysed, and how you check that a direction is "new"
information. The catch is numerical: the textbook Gram-Schmidt (the
*classical* one) loses orthogonality on ill-conditioned matrices such as
polynomial features, while a one-line reordering of the same arithmetic,
*modified* Gram-Schmidt, keeps it.

The maths
---------
Projection onto a vector u != 0 (the point of the line {c u} closest to v):

    proj_u(v) = (v . u / u . u) u

It does not depend on the length of u. Divide by u . u (not |u|), or
normalise u first; a zero u has no direction: raise ValueError.

Projection onto the column space of A (N x K): find x minimising
||A x - v||, then the projection is p = A x. When the columns are
independent, x = (A^T A)^-1 A^T v and P = A (A^T A)^-1 A^T is the projection
matrix (symmetric, P P = P). Do not form (A^T A)^-1: when columns are
(nearly) dependent it does not exist or is all rounding error. Use
``np.linalg.lstsq(A, v, rcond=None)``, which handles any A: the projection is
unique even when x is not. The residual v - p is orthogonal to every column:
A^T (v - p) = 0. ``v`` may also be an (N, M) matrix (project every column);
``project_onto_subspace(np.eye(N), A)`` is then the matrix P.

Gram-Schmidt turns the columns a_1..a_K of A (independent, N >= K) into
orthonormal columns q_1..q_K spanning the same spaces, column by column:
subtract from a_k its components along q_1..q_{k-1}, then normalise. The
coefficients form R: R[j, k] = component of a_k along q_j (j < k),
R[k, k] = the norm of what is left (> 0), zeros below the diagonal, so
A = Q R.

*Classical* GS computes every coefficient from the original column,
R[j, k] = q_j . a_k. When a_k is nearly in the span of the earlier columns,
the rounding errors in q_1..q_{k-1} are amplified, and Q^T Q drifts far from
I (on a matrix with condition number 1e8, ||Q^T Q - I|| can reach 0.1-1).
*Modified* GS subtracts one component at a time and computes each
coefficient from the *current, partly reduced* vector:

    v = a_k
    for j = 1 .. k-1:   R[j, k] = q_j . v ;  v = v - R[j, k] q_j
    R[k, k] = ||v|| ;   q_k = v / R[k, k]

Same arithmetic count, far better orthogonality (about 1e-16 x cond(A)).
Running the classical loop twice ("re-orthogonalisation") works too. This
exercise requires ||Q^T Q - I|| <= 1e-6 at condition number 1e8.
If some column is (numerically) dependent on the earlier ones, that is
R[k, k] <= 1e-10 * ||a_k||, raise ValueError: there is no direction left to
normalise.

API
---
    project_onto_vector(v, u)     -> (N,)
    project_onto_subspace(v, A)   -> (N,) or (N, M), same shape as v
    gram_schmidt(A)               -> (Q (N, K), R (K, K))

Worked example
--------------
    >>> project_onto_vector(np.array([2.0, 1.0]), np.array([3.0, 0.0]))
    array([2., 0.])
    >>> A = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])   # the plane of vectors (a, a, b)
    >>> project_onto_subspace(np.array([1.0, 3.0, 5.0]), A)
    array([2., 2., 5.])
    >>> Q, R = gram_schmidt(np.array([[3.0, 1.0], [4.0, 2.0]]))
    >>> R                     # ||a_1|| = 5, q_1 = [0.6, 0.8], q_1 . a_2 = 2.2
    array([[5. , 2.2],
           [0. , 0.4]])

In the second, the residual [1, 3, 5] - [2, 2, 5] = [-1, 1, 0] is orthogonal
to both columns. In the third, a_2 - 2.2 q_1 = [-0.32, 0.24], of norm 0.4,
so q_2 = [-0.8, 0.6].

Reference
---------
Strang, *Introduction to Linear Algebra*, 4.2 (projections) and 4.4
(Gram-Schmidt); Trefethen & Bau, *Numerical Linear Algebra*, lectures 7-8
(classical vs modified Gram-Schmidt) and 9 (the loss of orthogonality).
"""

from __future__ import annotations

import numpy as np


def project_onto_vector(v: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Orthogonal projection of v onto the line spanned by u.

    Args:
        v: (N,) the vector to project.
        u: (N,) a nonzero direction; its length does not matter.

    Returns:
        (N,) the multiple of u closest to v.

    Raises:
        ValueError: if u is the zero vector.
    """
    raise NotImplementedError("project_onto_vector: (v . u / u . u) u, and ValueError for u = 0")


def project_onto_subspace(v: np.ndarray, A: np.ndarray) -> np.ndarray:
    """Orthogonal projection of v onto the column space of A.

    Args:
        v: (N,) a vector, or (N, M) a matrix whose columns are projected.
        A: (N, K) any matrix; its columns may be dependent.

    Returns:
        The projection, same shape as v.
    """
    raise NotImplementedError("project_onto_subspace: least squares for x, then A @ x")


def gram_schmidt(A: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """QR factorisation by modified Gram-Schmidt.

    Args:
        A: (N, K) with N >= K and linearly independent columns.

    Returns:
        (Q, R): Q (N, K) with orthonormal columns, R (K, K) upper triangular
        with positive diagonal, A = Q R.

    Raises:
        ValueError: if a column is numerically dependent on the previous ones
        (what is left of it has norm <= 1e-10 times its original norm).
    """
    raise NotImplementedError("gram_schmidt: modified Gram-Schmidt, one column at a time")
