from solidarity.cli import main

raise SystemExit(main())
