;;; gptls-test.el --- ERT tests of gptls.el against the real gptls binary  -*- lexical-binding: t; -*-

;; emacs -Q --batch -L editor-clients/emacs -l editor-clients/emacs/test/gptls-test.el -f ert-run-tests-batch-and-exit
;; GPTLS_BIN: the binary (default .build/debug/gptls); GPTLS_MODEL: a model path (default: the bundled model).

;;; Code:

(require 'package)
;; Debian's elpa-eglot (with the project and xref it needs) lives in /usr/share/emacs/site-lisp/elpa, which
;; `emacs -Q' does not activate.
(unless (locate-library "eglot")
  (add-to-list 'package-directory-list "/usr/share/emacs/site-lisp/elpa")
  (package-initialize))
(require 'ert)
(require 'cl-lib)
(require 'python)
(require 'gptls)

(defconst gptls-test--repository
  (expand-file-name "../../.." (file-name-directory (or load-file-name buffer-file-name))))

(defconst gptls-test--binary
  (expand-file-name (or (getenv "GPTLS_BIN") ".build/debug/gptls") gptls-test--repository))

(defconst gptls-test--args
  (append '("serve" "--log-level" "warning")
          (let ((model (getenv "GPTLS_MODEL")))
            (and model (not (string-empty-p model)) (list "--model" (expand-file-name model))))))

(defconst gptls-test--directory (make-temp-file "gptls-test" t))

(setq gptls-program gptls-test--binary
      gptls-program-args gptls-test--args
      gptls-settings '(:temperature 0 :maxTokens 12 :summaryMaxTokens 24 :deadlineMs 20000
                       :context t :contextBudget 512 :completionCache t)
      gptls-idle-delay 0.05
      eglot-send-changes-idle-time 0.05
      eglot-events-buffer-size 0)

(defun gptls-test--wait (what predicate &optional seconds)
  "Process events until PREDICATE is non-nil; fail naming WHAT after SECONDS (default 60)."
  (let ((deadline (+ (float-time) (or seconds 60)))
        value)
    (while (and (not (setq value (funcall predicate)))
                (< (float-time) deadline))
      (accept-process-output nil 0.02))
    (unless value
      (ert-fail (format "timed out waiting for %s" what)))
    value))

(defun gptls-test--open (name text &optional directory)
  "Visit NAME (in DIRECTORY, default the test directory) in python-mode with TEXT, selected; enable gptls-mode."
  (let ((file (expand-file-name name (or directory gptls-test--directory))))
    (with-temp-file file (insert text))
    (switch-to-buffer (find-file-noselect file))
    (electric-indent-local-mode -1)
    (gptls-mode 1)
    (current-buffer)))

(defun gptls-test--type (keys)
  "Type KEYS (a `kbd' string) as the user would: commands, post-command-hook and all."
  (execute-kbd-macro (kbd keys)))

(defun gptls-test--wait-reply ()
  "Wait for the reply to an inline completion asked at the buffer's current text."
  (gptls-test--wait "an inline completion reply"
                    (lambda () (and gptls--last-result
                                    (eql gptls--last-result-tick (buffer-chars-modified-tick))))))

(defun gptls-test--type-until-ghost (keys more &optional wanted)
  "Type KEYS, then the keys of MORE one at a time until ghost text appears; return it.
With WANTED, a predicate, keep typing until the ghost text satisfies it."
  (gptls-test--type keys)
  (gptls-test--wait-reply)
  (let ((ok (lambda (ghost) (and ghost (or (not wanted) (funcall wanted ghost))))))
    (while (and (not (funcall ok (gptls-ghost-text))) more)
      (gptls-test--type (pop more))
      (gptls-test--wait-reply))
    (should (funcall ok (gptls-ghost-text)))
    (gptls-ghost-text)))

(defun gptls-test--direct (method params)
  "The server's answer to METHOD with PARAMS, asked directly (not through gptls.el)."
  (jsonrpc-request (gptls--server) method params :timeout 120))

(ert-deftest gptls-starts-through-eglot ()
  (with-current-buffer (gptls-test--open "start.py" "x = 1\n")
    (let ((server (gptls--server)))
      (should server)
      (should (cl-typep server 'eglot-gptls))
      (should (eq t (plist-get (eglot--capabilities server) :inlineCompletionProvider)))
      (should (equal ["gptls.summarize" "gptls.classify"]
                     (plist-get (plist-get (eglot--capabilities server) :executeCommandProvider) :commands))))))

(ert-deftest gptls-ghost-text-is-served-text-and-tab-inserts-it ()
  (with-current-buffer (gptls-test--open "stats.py" "def mean(values):\n    return sum(values) / len(values)\n\n\n")
    (goto-char (point-max))
    (let* ((ghost (gptls-test--type-until-ghost "def SPC median(values): RET SPC SPC SPC SPC"
                                                '("r" "e" "t" "u" "r" "n" "SPC")))
           (served (plist-get (aref (plist-get gptls--last-result :items) 0) :insertText))
           (position (point))
           (before (buffer-string)))
      (should (equal served ghost))
      ;; What the overlay displays.
      (should (overlayp gptls--overlay))
      (should (= position (overlay-start gptls--overlay)))
      (should (equal served (substring-no-properties (overlay-get gptls--overlay 'after-string))))
      (should gptls-ghost-mode)
      ;; A direct request at this position gets the same text.
      (let ((again (gptls-test--direct :textDocument/inlineCompletion
                                       `(:textDocument ,(eglot--TextDocumentIdentifier)
                                         :position ,(eglot--pos-to-lsp-position)
                                         :context (:triggerKind 1)))))
        (should (equal served (plist-get (aref (plist-get again :items) 0) :insertText))))
      (gptls-test--type "TAB")
      (should (equal (concat (substring before 0 (1- position)) served (substring before (1- position)))
                     (buffer-string)))
      (should (= (point) (+ position (length served))))
      (should-not (gptls-ghost-text))
      (should-not gptls-ghost-mode))))

(ert-deftest gptls-accept-word-keeps-the-rest-and-dismiss-clears ()
  (with-current-buffer (gptls-test--open "dismiss.py" "def add(a, b):\n    return a + b\n\n\n")
    (goto-char (point-max))
    ;; Ghost text of more than one word, so that something stays to dismiss.
    (let* ((ghost (gptls-test--type-until-ghost "def SPC sub(a, SPC b): RET SPC SPC SPC SPC" '("r" "e" "t" "u" "r" "n")
                                                (lambda (g) (< (length (gptls-next-word g)) (length g)))))
           (word (gptls-next-word ghost))
           (position (point))
           (before (buffer-string)))
      (gptls-test--type "M-f")
      (should (equal (concat (substring before 0 (1- position)) word (substring before (1- position)))
                     (buffer-string)))
      (should (equal (substring ghost (length word)) (gptls-ghost-text)))
      (should (equal (substring ghost (length word))
                     (substring-no-properties (overlay-get gptls--overlay 'after-string))))
      (let ((text (buffer-string)))
        (gptls-test--type "C-g")
        (should-not (gptls-ghost-text))
        (should-not gptls--overlay)
        (should-not gptls-ghost-mode)
        (should (equal text (buffer-string)))))))

(defun gptls-test--feedback-counts ()
  "The server's completionFeedback counts of its one model (a plist), or nil before any."
  (let ((counts (plist-get (gptls-test--direct :gptls/status nil) :completionFeedback)))
    (cadr counts)))

(ert-deftest gptls-reports-what-became-of-each-suggestion ()
  (with-current-buffer (gptls-test--open "feedback.py" "def add(a, b):\n    return a + b\n\n\n")
    (goto-char (point-max))
    (let* ((before (or (gptls-test--feedback-counts) '(:shown 0 :accepted 0 :partiallyAccepted 0 :dismissed 0
                                                          :acceptedCharacters 0)))
           (ghost (gptls-test--type-until-ghost "def SPC sub(a, SPC b): RET SPC SPC SPC SPC" '("r" "e" "t" "u" "r" "n")
                                                (lambda (g) (< (length (gptls-next-word g)) (length g)))))
           (word (gptls-next-word ghost)))
      (gptls-test--type "M-f")
      (gptls-test--type "C-g")
      (let ((after (gptls-test--wait "the counts to move"
                                     (lambda ()
                                       (let ((c (gptls-test--feedback-counts)))
                                         (and c (> (plist-get c :partiallyAccepted)
                                                   (plist-get before :partiallyAccepted))
                                              c))))))
        (should (>= (- (plist-get after :shown) (plist-get before :shown)) 1))
        (should (= (- (plist-get after :partiallyAccepted) (plist-get before :partiallyAccepted)) 1))
        (should (= (- (plist-get after :acceptedCharacters) (plist-get before :acceptedCharacters)) (length word)))
        (should (numberp (plist-get after :acceptanceRate)))))))

(ert-deftest gptls-typing-the-ghost-text-keeps-the-rest-and-a-change-cancels-the-request ()
  (with-current-buffer (gptls-test--open "through.py" "def mul(a, b):\n    return a * b\n\n\n")
    (goto-char (point-max))
    (let ((ghost (gptls-test--type-until-ghost "def SPC div(a, SPC b): RET SPC SPC SPC SPC" '("r" "e" "t" "u")
                                               ;; A newline would be indented by python-mode's C-j.
                                               (lambda (g) (and (> (length g) 1) (/= (aref g 0) ?\n))))))
      ;; Type its first character (a space and a letter insert themselves).
      (execute-kbd-macro (string (aref ghost 0)))
      (should (equal (substring ghost 1) (gptls-ghost-text)))
      ;; A request in flight, then a keystroke: gptls.el sends $/cancelRequest for it.
      (let ((sent nil)
            (original (symbol-function 'jsonrpc-notify)))
        (cl-letf (((symbol-function 'jsonrpc-notify)
                   (lambda (connection method params)
                     (push (cons method params) sent)
                     (funcall original connection method params))))
          (gptls-request 1)
          (let ((pending gptls--pending))
            (should pending)
            (gptls-test--type "x")
            (should (member (cons :$/cancelRequest (list :id pending)) sent))))))))

(ert-deftest gptls-next-word-and-line ()
  (should (equal "  foo" (gptls-next-word "  foo(bar)")))
  (should (equal "(" (gptls-next-word "(bar)")))
  (should (equal "\n    " (gptls-next-word "\n    return x")))
  (should (equal "a = b" (gptls-next-line "a = b\nc")))
  (should (equal "\nc" (gptls-next-line "\nc\nd"))))

(ert-deftest gptls-summarize-region-inserts-the-summary-as-a-comment ()
  (let ((text "def mean(values):\n    return sum(values) / len(values)\n\nx = 1\n"))
    (with-current-buffer (gptls-test--open "summary.py" text)
      (goto-char (point-min))
      (let* ((end (progn (forward-line 2) (point)))
             (expected (gptls-test--direct :gptls/summarize
                                           `(:textDocument ,(eglot--TextDocumentIdentifier)
                                             :range (:start (:line 0 :character 0) :end (:line 2 :character 0)))))
             (summary (gptls-summarize-region (point-min) end t)))
        (should (equal (plist-get expected :summary) summary))
        (should-not (string-empty-p (string-trim summary)))
        (should (equal (concat (gptls-comment-lines summary) "\n" text) (buffer-string)))
        (dolist (line (split-string (gptls-comment-lines summary) "\n"))
          (should (string-prefix-p "#" line)))
        (should (equal (concat summary "\n") (with-current-buffer "*gptls summary*" (buffer-string))))))))

(ert-deftest gptls-classify-region-returns-label-and-probabilities ()
  (with-current-buffer (gptls-test--open "classify.py" "def mean(values):\n    return sum(values) / len(values)\n")
    (let* ((expected (gptls-test--direct :gptls/classify
                                         `(:textDocument ,(eglot--TextDocumentIdentifier)
                                           :range (:start (:line 0 :character 0) :end (:line 2 :character 0))
                                           :labels ["python" "prose"])))
           (result (gptls-classify-region (point-min) (point-max) '("python" "prose")))
           (scores (append (plist-get result :scores) nil)))
      (should (equal (plist-get expected :label) (plist-get result :label)))
      (should (equal (plist-get expected :scores) (plist-get result :scores)))
      (should (equal (plist-get result :label) (plist-get (car scores) :label)))
      (should (equal '("prose" "python") (sort (mapcar (lambda (s) (plist-get s :label)) scores) #'string<)))
      (should (string-match-p "\\`\\(python\\|prose\\) [0-9.]+%, \\(python\\|prose\\) [0-9.]+%\\'"
                              (gptls-format-scores result))))))

(defmacro gptls-test--recording-warnings (var &rest body)
  "Run BODY with the texts of `display-warning' calls pushed onto the variable VAR."
  (declare (indent 1))
  `(progn
     (cl-letf (((symbol-function 'display-warning)
                (lambda (_type message &rest _) (push message ,var))))
       ,@body)
     (setq ,var (nreverse ,var))))

(ert-deftest gptls-missing-binary-is-reported-once ()
  (let ((gptls-program "/nonexistent/gptls")
        (directory (make-temp-file "gptls-missing" t))
        warnings)
    (setq gptls--failure-reported nil)
    (gptls-test--recording-warnings warnings
      (with-current-buffer (gptls-test--open "a.py" "a = 1\n" directory)
        (should-not gptls-mode))
      (with-current-buffer (gptls-test--open "b.py" "b = 2\n" directory)
        (should-not gptls-mode)))
    (should (= 1 (length warnings)))
    (should (string-match-p "\"/nonexistent/gptls\" is not an executable program" (car warnings)))))

(ert-deftest gptls-crashing-server-is-reported-once ()
  (let ((gptls-program-args '("serve" "--no-such-flag"))
        (directory (make-temp-file "gptls-crash" t))
        warnings)
    (setq gptls--failure-reported nil)
    (gptls-test--recording-warnings warnings
      (with-current-buffer (gptls-test--open "c.py" "c = 3\n" directory)
        (should-not (gptls--server))
        (accept-process-output nil 0.3)))
    (should (= 1 (length warnings)))
    ;; Why: the exit code and the server's own complaint, which names the bad flag.
    (should (string-match-p "cannot start the server: it exited (exit code [1-9][0-9]*: .*--no-such-flag"
                            (car warnings)))))

(provide 'gptls-test)
;;; gptls-test.el ends here
