"""Task functions: module level so the pool's workers can unpickle them by name."""
import os


def square(x):
    return x * x


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def pid(_=None):
    return os.getpid()
