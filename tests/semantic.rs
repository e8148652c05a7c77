//! The semantic model on its own: imports and aliases, relative imports,
//! scopes (`global`, `nonlocal`, classes), qualnames, and receivers typed by
//! their construction.

use advise::rulebook::Rulebook;
use advise::semantic::builder::Builder;
use advise::semantic::ModuleSummary;
use advise::source::{parse, LineIndex};

fn summarise(src: &str, module: &str, is_package: bool) -> ModuleSummary {
    let rb = Rulebook::default_rules().unwrap();
    let lines = LineIndex::new(src);
    let parsed = parse(src, false);
    Builder::new(src, &lines, &rb, module, is_package).build(parsed.parsed.suite())
}

/// Resolved call targets of the function with this qualname.
fn calls(m: &ModuleSummary, qualname: &str) -> Vec<String> {
    let f = m
        .functions
        .iter()
        .find(|f| f.qualname == qualname)
        .unwrap_or_else(|| {
            panic!(
                "no function {qualname}: {:?}",
                m.functions.iter().map(|f| &f.qualname).collect::<Vec<_>>()
            )
        });
    f.calls.iter().map(|c| c.target.clone()).collect()
}

#[test]
fn imports_and_aliases_resolve_to_qualified_names() {
    let m = summarise(
        "import numpy as np\nimport urllib.request\nfrom time import sleep\nfrom concurrent.futures import ThreadPoolExecutor as Pool\nimport os.path\n\ndef f(a):\n    np.dot(a, a)\n    urllib.request.urlopen('u')\n    sleep(1)\n    Pool(4)\n    os.path.join('a', 'b')\n    open('x')\n",
        "app",
        false,
    );
    assert_eq!(
        calls(&m, "f"),
        [
            "numpy.dot",
            "urllib.request.urlopen",
            "time.sleep",
            "concurrent.futures.ThreadPoolExecutor",
            "os.path.join",
            "builtins.open"
        ]
    );
}

#[test]
fn relative_imports_resolve_within_the_package() {
    let m = summarise("from . import util\nfrom .net import fetch\nfrom ..core import base\n\ndef f():\n    util.go()\n    fetch()\n    base()\n", "pkg.sub.mod", false);
    assert_eq!(
        calls(&m, "f"),
        ["pkg.sub.util.go", "pkg.sub.net.fetch", "pkg.core.base"]
    );
    // In a package's __init__, `.` is the package itself.
    let m = summarise(
        "from .net import fetch\n\ndef f():\n    fetch()\n",
        "pkg",
        true,
    );
    assert_eq!(calls(&m, "f"), ["pkg.net.fetch"]);
}

#[test]
fn shadowing_makes_names_unknown_or_local() {
    let m = summarise(
        "import requests\nimport time\n\ndef sleep(x):\n    return x\n\ndef f(requests):\n    requests.get('u')\n    sleep(1)\n\ndef g():\n    requests = {}\n    requests.get('k')\n\ndef h():\n    requests.get('u')\n",
        "app",
        false,
    );
    assert_eq!(
        calls(&m, "f"),
        ["app.sleep"],
        "a parameter shadows the module"
    );
    assert!(calls(&m, "g").is_empty(), "a local dict shadows the module");
    assert_eq!(calls(&m, "h"), ["requests.get"]);
}

#[test]
fn global_nonlocal_and_class_scopes() {
    let m = summarise(
        "import json\nhelper = None\n\nclass C:\n    json = 1\n    def m(self):\n        json.loads('1')\n        self.n()\n    def n(self):\n        pass\n\ndef outer():\n    import pickle as json\n    def inner():\n        nonlocal json\n        json.loads(b'')\n    def other():\n        global json\n        json.loads('2')\n    inner()\n",
        "app",
        false,
    );
    // Methods do not see class-level names.
    assert_eq!(calls(&m, "C.m"), ["json.loads", "app.C.n"]);
    assert_eq!(calls(&m, "outer.<locals>.other"), ["json.loads"]);
    assert_eq!(calls(&m, "outer"), ["app.outer.<locals>.inner"]);
    // `nonlocal` skips the function's own scope to the enclosing one.
    assert_eq!(calls(&m, "outer.<locals>.inner"), ["pickle.loads"]);
}

#[test]
fn receivers_are_typed_by_their_construction() {
    let m = summarise(
        "import requests, socket, sqlite3\n\nclass Client:\n    def __init__(self):\n        self.session = requests.Session()\n    def get(self, u):\n        return self.session.get(u)\n\ndef f(p):\n    s = requests.Session()\n    s.get(p)\n    with open(p) as fh:\n        fh.read()\n    sock = socket.socket()\n    sock.recv(10)\n    db = sqlite3.connect(p)\n    db.cursor().execute('q')\n",
        "app",
        false,
    );
    assert_eq!(calls(&m, "Client.get"), ["requests.Session.get"]);
    let f = calls(&m, "f");
    for expected in [
        "requests.Session.get",
        "io.IOBase.read",
        "socket.socket.recv",
        "sqlite3.Cursor.execute",
    ] {
        assert!(f.contains(&expected.to_string()), "{expected} not in {f:?}");
    }
}

#[test]
fn dispatches_are_recorded_with_their_context() {
    let m = summarise(
        "import threading, asyncio, functools\nfrom concurrent.futures import ProcessPoolExecutor\nimport multiprocessing as mp\n\ndef work(x):\n    return x\n\ndef main(xs):\n    threading.Thread(target=work).start()\n    with ProcessPoolExecutor() as ex:\n        ex.map(work, xs)\n        ex.submit(functools.partial(work, 1))\n    pool = mp.get_context('spawn').Pool(2)\n    pool.imap(work, xs)\n\nasync def h(loop):\n    await asyncio.to_thread(work, 1)\n    await loop.run_in_executor(None, lambda: work(2))\n",
        "app",
        false,
    );
    let got: Vec<(String, String)> = m
        .functions
        .iter()
        .flat_map(|f| f.dispatches.iter())
        .map(|d| {
            (
                d.context.as_str().to_string(),
                d.target.clone().unwrap_or_default(),
            )
        })
        .collect();
    let want = [
        ("threads", "app.work"),
        ("processes", "app.work"),
        ("processes", "app.work"),
        ("processes", "app.work"),
        ("threads", "app.work"),
        ("threads", "app.work"),
    ];
    assert_eq!(got, want.map(|(a, b)| (a.to_string(), b.to_string())));
}

#[test]
fn qualnames_follow_python() {
    let m = summarise("class A:\n    class B:\n        def m(self):\n            def inner():\n                pass\n\ndef f():\n    class L:\n        def g(self):\n            pass\n", "app", false);
    let names: Vec<&str> = m.functions.iter().map(|f| f.qualname.as_str()).collect();
    assert_eq!(
        names,
        [
            "<module>",
            "A.B.m",
            "A.B.m.<locals>.inner",
            "f",
            "f.<locals>.L.g"
        ]
    );
}

#[test]
fn functions_know_their_line_span_and_unresolved_calls() {
    let src = "import time\n\n@decorate\ndef outer(conn):\n    def inner():\n        return 1\n    data = conn.recv(\n        64)\n    time.sleep(1)\n    return data\n\nx = 1\n";
    let m = summarise(src, "app", false);
    let span = |q: &str| {
        let f = m.functions.iter().find(|f| f.qualname == q).unwrap();
        (f.def_loc.row, f.end_loc.row)
    };
    assert_eq!(span("outer"), (4, 10));
    assert_eq!(span("outer.<locals>.inner"), (5, 6));
    assert_eq!(span("<module>"), (1, 13));
    let outer = m.functions.iter().find(|f| f.qualname == "outer").unwrap();
    // `conn.recv(...)` cannot be resolved; `time.sleep` can.
    assert_eq!(outer.unresolved_calls, vec![(7, 8)]);
}
